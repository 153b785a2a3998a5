"""How well, and how fast, the SMS line understands free text.

    make understanding    (or: .venv/bin/python tests/load/understanding.py [PACK_DIR])

Runs the evaluation set (messages/understand_cases.toml) through the SMS flow
and prints accuracy, held-out accuracy and the confusions (as ``signpost check``
does), then the time one match takes on this machine (the matcher runs on the
webhook path, once per texted message that is not a number or a carrier keyword),
the time a pack takes to load, and the page model's cross-validated figure (when
scikit-learn is installed, as ``make test`` installs it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flows.evaluation import evaluate, load_cases  # noqa: E402
from flows.pack import load_pack  # noqa: E402
from messages import DEFAULT_PACK_DIR, EVALUATION_SET  # noqa: E402

ROUNDS = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack_dir", nargs="?", default=str(DEFAULT_PACK_DIR))
    parser.add_argument("--cases", default=str(EVALUATION_SET))
    args = parser.parse_args()
    started = time.perf_counter()
    pack = load_pack(args.pack_dir)
    loaded = time.perf_counter() - started
    cases = load_cases(args.cases)
    result = evaluate(pack, cases)
    print("\n".join(result.lines()))

    texts = [case.text for case in cases]
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for text in texts:
            pack.understanding.match(text)
    each = (time.perf_counter() - started) / (ROUNDS * len(texts))
    print(f"\none match: {each * 1e6:.0f} microseconds on average ({ROUNDS} rounds of {len(texts)} texts, one process)")
    print(f"loading the pack (its models included): {loaded:.2f} s")
    try:
        import sklearn  # noqa: F401  (for training only: the line does not need it)
    except ImportError:
        print("page model not cross-validated: scikit-learn is not installed")
    else:
        from service.cli.train_pages import FOLDS, cross_validate, page_examples

        examples = [(t, page) for page, texts in page_examples(pack, with_keywords=True).items() for t in texts]
        right = cross_validate(pack.understanding, examples)
        print(f"page model, cross-validated ({FOLDS} folds): {right:.1%} of {len(examples)} examples read as their own page")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
