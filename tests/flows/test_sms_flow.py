"""The SMS conversation, pure: tables of message -> node shown (tests/flows/sms_cases.toml)."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import Event, Session, gsm, sms, step
from flows.pack import OPTED_OUT, load_pack
from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE
from flows.understand import Understanding
from messages import DEFAULT_PACK_DIR
from tests.flows import cases

PACK = load_pack(DEFAULT_PACK_DIR)
EXAMPLE_PACK = Path(__file__).parents[1] / "packs" / "en-GB-example"
CASES = cases.load("sms_cases.toml")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation(case):
    cases.play(PACK, case, "sms")


def test_topic_pages_are_the_content_with_999_first_and_footer_last():
    reply, _ = step(PACK, Session(), Event("text", "steps"))
    lines = reply.text.splitlines()
    assert lines[0] == EMERGENCY_SMS
    assert lines[1].startswith("1 Avoid blame")
    assert lines[-1] == PACK.footer


def test_opt_out_confirmation_is_one_line_after_the_999_line():
    reply, _ = step(PACK, Session(), Event("text", "STOP"))
    assert reply.node == OPTED_OUT
    lines = reply.text.splitlines()
    # Anyone may text STOP, a young person who means the blackmail included.
    assert lines[0] == EMERGENCY_SMS_ANYONE
    assert len(lines) == 2 and "START" in lines[1] and "Samaritans 116 123" in lines[1]


@settings(max_examples=500)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=6))
def test_any_messages_get_999_first_in_gsm_within_budget(messages):
    session = Session()
    for text in messages:
        reply, session = step(PACK, session, Event("text", text))
        assert reply.text.splitlines()[0] in (EMERGENCY_SMS, EMERGENCY_SMS_ANYONE)
        assert gsm.is_gsm(reply.text)
        assert gsm.segments(reply.text) <= PACK.budget(reply.node)


TEXTS = st.one_of(
    st.text(max_size=80),
    st.integers(min_value=0, max_value=30).map(str),
    st.from_regex(r"\s*0*\d{1,3}[.!? ]*", fullmatch=True),
    st.sampled_from(["menu", "STOP", "start", "helpline", "signs", "links"]),
)


def pack_with_a_sub_menu(tmp_path_factory):
    """The example pack with a second SMS menu, so that a number means different things."""
    folder = tmp_path_factory.mktemp("pack") / "en-GB-example"
    shutil.copytree(EXAMPLE_PACK, folder)
    menus = folder / "menus.toml"
    menus.write_text(
        menus.read_text().replace('options = ["first_steps", "local"]', 'options = ["first_steps", "local", "more"]')
        + """
[menus.more]
channel = "sms"
title = "More"
keywords = ["more"]
options = ["local", "first_steps"]
"""
    )
    return load_pack(folder)


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    return [PACK, pack_with_a_sub_menu(tmp_path_factory)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_the_outcome_table_agrees_with_step_from_every_menu(packs, text):
    """The table Redis picks from (flows.sms.outcomes) is what step() would say from each menu."""
    event = Event("text", text)
    for pack in packs:
        table = sms.outcomes(pack, event)
        for menu in ["", *(m.id for m in pack.menus.values() if m.channel == "sms")]:
            # The menu itself just shown, or a page picked from it, or the at-risk page.
            # (A page is only ever shown with a menu to come back to: show() sets one.)
            for node in {menu or None, "steps", pack.understanding.risk_page} if menu else [None]:
                session = Session(channel="sms", menu=menu or None, node=node)
                expected = table.get(sms.outcome_key(session), table.get(menu, table[""]))
                assert expected == step(pack, session, event), (pack.id, text, menu, node)


def test_a_typical_conversation_costs_at_most_11_parts():
    """hi, 1, 0, 3, 4 (tests/load/segments.py prints the figures)."""
    session, parts = Session(), []
    for text in ("hi", "1", "0", "3", "4"):
        reply, session = step(PACK, session, Event("text", text))
        parts.append(gsm.segments(reply.text))
    assert parts[0] == 1 and sum(parts) <= 11, parts


@pytest.mark.parametrize("text", ["thanks", "ok", "bye", "STOP", "stop texting me"])
def test_acknowledgements_and_opt_out_confirmations_are_one_part(text):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert reply.node in ("thanks", "opted_out") and gsm.segments(reply.text) == 1


# An understanding of three of the pack's pages from a few examples each, so that a text is
# close between two of them whatever the pack's own models come to read (they are sure of
# almost every text): the pack's questions and the flow are the real ones.
CLOSE = Understanding(
    {
        "steps": ["what do i do now", "what are the next steps for a pupil"],
        "dos": ["should we pay them", "should he delete it"],
        "signs": ["what are the warning signs"],
    }
)
CLOSE_TEXT = "next steps or should we pay"


def test_a_text_close_between_two_pages_is_asked_which_of_the_two_each_by_its_word():
    understood = CLOSE.match(CLOSE_TEXT)
    assert understood.close and not understood.sure and {understood.node, understood.second} == {"steps", "dos"}
    pack = replace(PACK, understanding=CLOSE)
    reply, session = step(pack, Session(channel="sms"), Event("text", CLOSE_TEXT))
    assert reply.node in PACK.pair_questions
    lines = reply.text.splitlines()
    assert lines[0] == EMERGENCY_SMS and lines[1] == PACK.pair_question and gsm.segments(reply.text) == 1
    # Each word offered is its page, from where the question left the texter (the pack's
    # own understanding: a page's word is that page from anywhere).
    offered = {step(PACK, session, Event("text", line.split()[0]))[0].node for line in lines[2:4]}
    assert offered == {"steps", "dos"}
    # A number means the main menu's choice, as the footer says of 0.
    assert step(PACK, session, Event("text", "1"))[0].node == PACK.menus[PACK.main_menu].options[0]


def test_every_question_between_two_pages_leaves_out_the_at_risk_page_and_is_one_part():
    risk = PACK.understanding.risk_page
    assert PACK.pair_questions
    for node, text in PACK.pair_questions.items():
        pages = node.split(":")[1:]
        assert len(pages) == 2 and risk not in pages and all(p in PACK.topics for p in pages)
        assert text.splitlines()[0] == EMERGENCY_SMS and gsm.segments(text) == 1 and gsm.is_gsm(text)
