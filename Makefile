# The two commands a newcomer needs: `make run` and `make test`.
# Both create the virtualenv in .venv and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/signpost serve

test: $(STAMP)
	$(BIN)/python -m pytest

# Check a content pack before publishing it: make check, or make check PACK=path/to/pack
check: $(STAMP)
	$(BIN)/signpost check $(PACK)

clean:
	rm -rf $(VENV) .signpost *.egg-info
