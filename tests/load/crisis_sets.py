"""How many ways of speaking of crisis reach the page for someone at risk, and how many
everyday near misses wrongly do, on a set written by someone who never saw the line's
crisis tables:

    .venv/bin/python tests/load/crisis_sets.py [FILE ...]

A file is TOML with ``at_risk_texts`` (answered as a first text), ``at_risk_speech``
(said at the first menu of a call) and ``not_at_risk`` (as a first text and said at the
first menu). By default: ``tests/flows/crisis_held_out.toml``, never tuned against nor
trained on, so its score is the honest figure for words no one here has seen. Score a new
set once, before changing anything for it; then it may join the pack's examples for the
risk model (``messages/<pack>/risk/``) and a new one be written to hold out.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flows import Event, Session, step, voice  # noqa: E402
from flows.pack import load_pack  # noqa: E402
from messages import DEFAULT_PACK_DIR  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[1] / "flows" / "crisis_held_out.toml"
PACK = load_pack(DEFAULT_PACK_DIR)
AT_RISK = PACK.understanding.risk_page


def texted(text: str) -> str:
    return step(PACK, Session(), Event("text", text))[0].node


def said(words: str) -> str:
    session = Session(channel="voice", menu=PACK.voice_main, node=PACK.voice_main)
    return voice.step(PACK, session, Event("speech", words, caller="+447400123456"))[0].node


def score(path: Path) -> None:
    cases = tomllib.loads(path.read_text())
    print(path)
    for name, answer, want in [
        ("at_risk_texts", texted, True),
        ("at_risk_speech", said, True),
        ("not_at_risk", texted, False),
        ("not_at_risk", said, False),
    ]:
        answers = [(case, answer(case)) for case in cases.get(name, [])]
        wrong = [(case, node) for case, node in answers if (node == AT_RISK) != want]
        how = "by text" if answer is texted else "said"
        print(f"  {name} {how}: {len(answers) - len(wrong)} of {len(answers)} right")
        for case, node in wrong:
            print(f"    got {node}: {case[:120]}")


if __name__ == "__main__":
    for arg in sys.argv[1:] or [str(DEFAULT)]:
        score(Path(arg))
