"""How well, and how fast, the SMS line understands free text.

    make understanding    (or: .venv/bin/python tests/load/understanding.py [PACK_DIR])

Runs the evaluation set (messages/understand_cases.toml) through the SMS flow
and prints accuracy, held-out accuracy and the confusions (as ``signpost check``
does), then the time one match takes on this machine: the matcher runs on the
webhook path, once per texted message that is not a number or a carrier keyword.
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
    pack = load_pack(args.pack_dir)
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
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
