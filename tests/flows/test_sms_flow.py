"""The SMS conversation, pure: tables of message -> node shown (tests/flows/sms_cases.toml)."""

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Event, Session, gsm, step
from flows.pack import OPTED_OUT, load_pack
from flows.render import EMERGENCY_SMS
from messages import DEFAULT_PACK_DIR

PACK = load_pack(DEFAULT_PACK_DIR)
CASES = tomllib.loads((Path(__file__).parent / "sms_cases.toml").read_text())["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation(case):
    session = Session()
    for turn in case["turns"]:
        text, node = turn[0], turn[1]
        effect = turn[2] if len(turn) > 2 else None
        reply, session = step(PACK, session, Event("text", text))
        assert (reply.node, reply.effect) == (node, effect), f"after {text!r}"
        assert reply.text == PACK.sms_pages[node]


def test_topic_pages_are_the_content_with_999_first_and_footer_last():
    reply, _ = step(PACK, Session(), Event("text", "steps"))
    lines = reply.text.splitlines()
    assert lines[0] == EMERGENCY_SMS
    assert lines[1] == "4 steps:"
    assert lines[-1] == PACK.footer


def test_opt_out_confirmation_is_one_line_after_the_999_line():
    reply, _ = step(PACK, Session(), Event("text", "STOP"))
    assert reply.node == OPTED_OUT
    lines = reply.text.splitlines()
    assert lines[0] == EMERGENCY_SMS
    assert len(lines) == 2 and "START" in lines[1]


@settings(max_examples=500)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=6))
def test_any_messages_get_999_first_in_gsm_within_budget(messages):
    session = Session()
    for text in messages:
        reply, session = step(PACK, session, Event("text", text))
        assert reply.text.splitlines()[0] == EMERGENCY_SMS
        assert gsm.is_gsm(reply.text)
        assert gsm.segments(reply.text) <= PACK.sms_segments
