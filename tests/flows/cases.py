"""Playing a table of cases (sms_cases.toml, voice_cases.toml): one shape for both channels.

A case is a list of turns from a fresh session; a turn is an event and what must
follow. Every field but ``event`` and ``node`` is optional; a field a turn does
not name is checked against its default, so a case says everything that happens.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from flows import Event, Session, step
from flows.model import FollowUpOutcome
from flows.render import has_bare_999, voice_turn
from tests.fakes import Followups

TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
MOBILE = "+447400123456"


def load(name: str) -> list[dict]:
    return tomllib.loads((Path(__file__).parent / name).read_text())["case"]


def play(pack, case: dict, channel: str) -> None:
    """Play ``case`` against ``pack`` and check every turn; fail naming the turn."""
    at, caller = case.get("at", TUESDAY_11AM), case.get("caller", MOBILE)
    session = Session(channel=channel)
    for turn in case["turns"]:
        followups = Followups(FollowUpOutcome(turn.get("outcome", FollowUpOutcome.QUEUED)))
        event = Event(turn["event"], turn.get("value", ""), at=at, caller=caller, confidence=turn.get("confidence"))
        reply, session = step(pack, session, event, followups.services())
        where = f"after {turn['event']} {turn.get('value', '')!r}"
        assert reply.node == turn["node"], where
        asked = [f"{f.topic} {f.number}" for f in followups.asked]
        assert asked == ([turn["followup"]] if "followup" in turn else []), where
        if channel == "sms":
            assert reply.effect == turn.get("effect"), where
            assert reply.text == (pack.sms_page(turn["node"], at) if turn["node"] in pack.sms_pages else ""), where
        else:
            check_voice(reply, turn, where)


def check_voice(reply, turn: dict, where: str) -> None:
    # The whole turn as spoken, the 999 instruction included: on every turn, as digits.
    said = " ".join(voice_turn(reply.say, reply.first_words, reply.reader))
    assert "9 9 9" in said and not has_bare_999(said), f"{where}: {said!r}"
    for words in turn.get("says", []):
        assert words in said, f"{where}: {words!r} not in {said!r}"
    for words in turn.get("not_says", []):
        assert words not in said, f"{where}: {words!r} said"
    if "listen" in turn:
        assert reply.listen == turn["listen"], where
    assert reply.dial == turn.get("dial", ""), where
    assert reply.hangup == turn.get("hangup", False), where
    assert reply.slow == turn.get("slow", False), where
