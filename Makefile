# The two commands a newcomer needs: `make run` and `make test`.
# Both create the virtualenv in .venv and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test quick lint bench soak check segments understanding clean voice-timing image-check capacity review

$(STAMP): pyproject.toml
	@echo "Installing the line and its test tools into $(VENV) (first run or pyproject.toml changed: about a minute)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,test]'
	touch $(STAMP)
	@echo "Installed."

run: $(STAMP)
	$(BIN)/signpost serve

test: lint
	$(BIN)/python -m pytest

# The conversation and the pure units: under a minute, for while you work.
quick: lint
	$(BIN)/python -m pytest -q tests/flows

# Lint and format (ruff), types (mypy) and the layering (import-linter), as configured in
# pyproject.toml. `ruff format flows service messages tests` formats what check finds.
lint: $(STAMP)
	$(BIN)/ruff check flows service messages tests
	$(BIN)/ruff format --check flows service messages tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# Speed and memory against a bare Flask app (needs wrk: installed here when missing).
bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null 2>&1 || \
		{ echo "bench needs wrk (Debian: apt-get install wrk)"; exit 1; }
	$(BIN)/python tests/load/bench.py

# Seconds a caller listens, turn by turn, timed with espeak-ng (installed here when
# missing; without it, counted at 150 words a minute, and the report says so).
voice-timing: $(STAMP)
	@command -v espeak-ng >/dev/null || { apt-get update -qq && apt-get install -y -qq espeak-ng; } >/dev/null 2>&1 || \
		echo "espeak-ng could not be installed (Debian: apt-get install espeak-ng): timing by words per minute"
	$(BIN)/python tests/load/voice_timing.py

# Every webhook fed 10,000+ arbitrary forms (SIGNPOST_FUZZ_EXAMPLES to change).
soak: $(STAMP)
	tests/load/soak.sh

# The Dockerfile's steps as written, in a fresh virtualenv, then its web, worker and
# health check (about 90 s; no container engine needed, and no image is built).
image-check: $(STAMP)
	SIGNPOST_IMAGE_CHECK=1 $(BIN)/python -m pytest tests/service/test_container.py

# What one webhook costs Redis (commands, bytes, Lua time) and the capacity it implies.
capacity: $(STAMP)
	$(BIN)/python tests/load/capacity.py

# What each SMS page and a typical conversation cost, in parts.
segments: $(STAMP)
	$(BIN)/python tests/load/segments.py $(PACK)

# How well (evaluation set) and how fast the SMS line understands free text, and how
# many crises on the held-out set reach the at-risk page.
understanding: $(STAMP)
	$(BIN)/python tests/load/understanding.py $(PACK)
	$(BIN)/python tests/load/fresh_sets.py
	$(BIN)/python tests/load/crisis_sets.py

# Check a content pack before publishing it: make check, or make check PACK=path/to/pack
check: $(STAMP)
	$(BIN)/signpost check $(PACK)

# The content review record a partnership signs: make review > review.md
review: $(STAMP)
	@$(BIN)/signpost review $(PACK)

clean:
	rm -rf $(VENV) .signpost *.egg-info
