"""How the line answers texts and spoken requests written blind, by people who never saw
the pack's examples or the tests: right, a question (the menu that asks), or a
confident wrong page (the worst answer).

    .venv/bin/python tests/load/fresh_sets.py [--texts FILE] [--speech FILE]

Texts are answered as a first text (the SMS flow from a fresh session); spoken
requests as said at the first menu of a call (the voice flow, after the greeting).
The files are TOML: ``[[case]]`` tables of ``text`` and ``page``. The shipped ones,
``tests/flows/fresh_texts_16.toml`` and ``tests/flows/fresh_speech_16.toml``, were scored
once when they were written and are never tuned against: add new examples from other
texts, and keep these as the line's honest figure until a new round replaces them. A
writer who never saw the examples still writes some of them word for word ("hi",
"signs"), so each figure is printed again for the texts that are not among them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flows import Event, Session, step  # noqa: E402
from flows.pack import load_pack  # noqa: E402
from flows.pack.render_sms import page_examples  # noqa: E402
from flows.voice import GOODBYE  # noqa: E402
from messages import DEFAULT_PACK_DIR  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "flows"
TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, tzinfo=dt.timezone.utc)


def cases(path: Path) -> list[tuple[str, str]]:
    return [(c["text"], c["page"]) for c in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]


def text_answer(pack, text: str) -> str:
    return step(pack, Session(channel="sms"), Event("text", text, at=TUESDAY_11AM))[0].node


def spoken_answer(pack, words: str) -> str:
    _, session = step(pack, Session(channel="voice"), Event("start", at=TUESDAY_11AM))
    return step(pack, session, Event("speech", words, at=TUESDAY_11AM))[0].node


def score(name: str, found: list[tuple[str, str]], answer, asking: set[str], stands_for: dict[str, str], detail: bool = True) -> None:
    """Right is the page expected, or the page that stands for it (``stands_for``, expected
    page -> the one that answers it: "is anyone there?" is answered by voice with the
    helplines, which say the line is automated; "can I talk to a person?" by text with the
    page that says so and gives every helpline); those are counted apart so the strict
    figure can be read too."""
    right = asked = standing_in = 0
    wrong: Counter = Counter()
    risk_missed = []
    for text, page in found:
        got = answer(text)
        if got == page or (page == "main" and got in asking):
            right += 1
        elif stands_for.get(page) == got:
            right += 1
            standing_in += 1
        elif got in asking:
            asked += 1
            wrong[(page, "a question")] += 1
        else:
            wrong[(page, got)] += 1
        if page == "self_harm" and got != "self_harm":
            risk_missed.append(text)
    total = len(found)
    confident = total - right - asked
    at_risk_page = sum(n for (want, got), n in wrong.items() if got == "self_harm")
    print(
        f"{name}: {right} of {total} right ({right / total:.1%}; {standing_in} of them a page that "
        f"stands for the one expected), {asked} a question, {confident} confident wrong pages "
        f"({at_risk_page} of them the at-risk page); at risk sent elsewhere: {len(risk_missed)}"
    )
    if not detail:
        return
    for (want, got), n in wrong.most_common(12):
        print(f"  {n:3d} x expected {want}, got {got}")
    for text in risk_missed:
        print(f"  AT RISK MISSED: {text!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=HERE / "fresh_texts_16.toml")
    parser.add_argument("--speech", type=Path, default=HERE / "fresh_speech_16.toml")
    parser.add_argument("--pack", default=str(DEFAULT_PACK_DIR))
    args = parser.parse_args()
    pack = load_pack(args.pack)
    sms_menus = {pack.main_menu, pack.unsure_menu or pack.main_menu}
    voice_menus = {m.id for m in pack.menus.values() if m.channel == "voice"}
    # By voice a page may be answered by another: the one its ``by_voice`` names, and thanks
    # by the line's goodbye (which names Samaritans and Childline), as the voice flow does.
    by_voice = {topic.id: topic.by_voice for topic in pack.topics.values() if topic.by_voice}
    # By text the other way round, where the page holds every number the page it stands for
    # by voice gives: "can I talk to a person?" is answered by "this line is automated; to
    # talk to a person:" and every helpline.
    by_text = {
        other: topic.id
        for topic in pack.topics.values()
        if (other := topic.by_voice) in pack.topics and numbers_in(pack.topics[other].sms) <= numbers_in(topic.sms)
    }
    examples = {said(text) for texts in page_examples(pack).values() for text in texts}
    for name, found, answer, asking, stands_for in (
        ("texts", cases(args.texts), lambda t: text_answer(pack, t), sms_menus, by_text),
        ("spoken", cases(args.speech), lambda t: spoken_answer(pack, t), voice_menus, {**by_voice, "thanks": GOODBYE}),
    ):
        score(name, found, answer, asking, stands_for)
        new = [(text, page) for text, page in found if said(text) not in examples]
        score(f"{name} not among the examples word for word", new, answer, asking, stands_for, detail=False)
    return 0


def numbers_in(template: str) -> set[str]:
    """The numbers a page's template names (``{number.childline}``)."""
    return set(re.findall(r"\{number\.(\w+)\}", template))


def said(text: str) -> str:
    """A text as compared with the examples: case, spacing and end punctuation aside."""
    return " ".join(text.lower().split()).strip(" ?.!")


if __name__ == "__main__":
    sys.exit(main())
