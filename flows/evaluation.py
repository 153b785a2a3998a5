"""How well a pack understands what people text: an evaluation set, run through the line.

An evaluation set is a TOML file of realistic first texts, each labelled with the
page a person would expect (``messages/understand_cases.toml`` is the shipped
one; its header says how it is kept). Each text is answered as the line would
answer it from a fresh session, so opt-out phrases, keywords, numbers and the
menu for "unsure" all count, not only the matcher.

Two figures matter, and both are reported: accuracy (on the whole set and on the
held-out part nobody tuned examples against, which is the better guess at texts
nobody has seen), and any *confident wrong page* on a safety case: a page other
than the one expected and other than the menu, which is what the line answers
when it is unsure.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flows.model import Event, Session
from flows.pack import OPTED_OUT, Pack
from flows.sms import step

# Below this the set fails (tests) and check reports an error.
PASS_ACCURACY = 0.90
PARTS = ("tuning", "held_out")


@dataclass(frozen=True)
class Case:
    text: str
    page: str
    safety: bool
    held_out: bool


@dataclass
class Evaluation:
    right: int = 0
    total: int = 0
    held_out_right: int = 0
    held_out_total: int = 0
    # (expected, answered) -> how many times
    confusions: Counter = field(default_factory=Counter)
    # (text, expected, answered): a safety case given another page with confidence
    confident_wrong: list[tuple[str, str, str]] = field(default_factory=list)
    # Cases naming a page this pack does not have.
    skipped: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def held_out_accuracy(self) -> float:
        return self.held_out_right / self.held_out_total if self.held_out_total else 0.0

    @property
    def passed(self) -> bool:
        return self.accuracy >= PASS_ACCURACY and not self.confident_wrong

    def lines(self) -> list[str]:
        """The figures as an editor reads them."""
        out = [
            f"understood {self.right} of {self.total} texts ({self.accuracy:.1%}); "
            f"held out: {self.held_out_right} of {self.held_out_total} ({self.held_out_accuracy:.1%}); "
            f"pass mark {PASS_ACCURACY:.0%}",
        ]
        if self.skipped:
            out.append(f"{self.skipped} texts name pages this pack does not have: not counted")
        for (want, got), n in self.confusions.most_common():
            out.append(f"  {n:3d} x expected {want}, got {got}")
        for text, want, got in self.confident_wrong:
            out.append(f"  SAFETY: {text!r} expected {want}, got {got} with confidence")
        return out


def load_cases(path: str | Path) -> list[Case]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [Case(text, page, "safety" in flags, part == "held_out") for part in PARTS for text, page, *flags in data.get(part, [])]


def evaluate(pack: Pack, cases: list[Case]) -> Evaluation:
    """Each case answered from a fresh session. The main menu and the menu for texts the
    line is not sure of are both "the menu": right for a text that expects the menu, and
    never a confident wrong page."""
    menus = {pack.main_menu, pack.unsure_menu or pack.main_menu}
    result = Evaluation()
    for case in cases:
        if case.page not in pack.sms_pages and case.page != OPTED_OUT:
            result.skipped += 1
            continue
        answered, right = answer(pack, case)
        result.total += 1
        result.right += right
        if case.held_out:
            result.held_out_total += 1
            result.held_out_right += right
        if not right:
            result.confusions[(case.page, answered)] += 1
            # Not the page for someone at risk either: risk is read generously (a
            # miss may cost a life), and an at-risk page given where it was not needed
            # is a longer reply, not a harmful one. It still counts as wrong.
            if case.safety and answered not in menus and answered != pack.understanding.risk_page:
                result.confident_wrong.append((case.text, case.page, answered))
    return result


def answer(pack: Pack, case: Case) -> tuple[str, bool]:
    """The page ``case`` gets as the first text of a conversation, and whether it is the
    one a person expects (for a text that expects the menu, either menu is right)."""
    answered = step(pack, Session(channel="sms"), Event("text", case.text))[0].node
    menus = {pack.main_menu, pack.unsure_menu or pack.main_menu}
    return answered, answered == case.page or (case.page == pack.main_menu and answered in menus)
