"""Words of crisis reach the page for someone at risk, by text and by voice, wherever
they are said; everyday words that only sound like them do not (cases as data)."""

import tomllib
from pathlib import Path

import pytest

from flows import voice
from flows.model import Event, Session
from flows.sms import step
from flows.pack import load_pack
from messages import DEFAULT_PACK_DIR

PACK = load_pack(DEFAULT_PACK_DIR)
HERE = Path(__file__).parent
CASES = tomllib.loads((HERE / "crisis_cases.toml").read_text())
# Sets written by people who had not seen the line's crisis tables.
WRITTEN = {name: [case for file in ("crisis_written.toml", "crisis_written_2.toml", "crisis_written_3.toml",
                                  "crisis_written_4.toml")
                  for case in tomllib.loads((HERE / file).read_text())[name]]
           for name in ("at_risk_texts", "at_risk_speech", "not_at_risk")}
RISK_PAGE = PACK.understanding.risk_page
CALLER = "+447400123456"


def texted(text: str) -> str:
    reply, _ = step(PACK, Session(), Event("text", text))
    return reply.node


def said_at(node: str, words: str, pending: dict | None = None) -> str:
    session = Session(channel="voice", menu=PACK.voice_main, node=node, pending=pending)
    reply, _ = voice.step(PACK, session, Event("speech", words, caller=CALLER))
    return reply.node


@pytest.mark.parametrize("text", CASES["at_risk"] + WRITTEN["at_risk_texts"])
def test_words_of_crisis_by_text_get_the_page_for_someone_at_risk(text):
    assert texted(text) == RISK_PAGE


@pytest.mark.parametrize("text", CASES["at_risk"] + WRITTEN["at_risk_speech"])
def test_words_of_crisis_said_at_any_menu_or_while_asking_for_a_text_get_that_page(text):
    spoken = text.lower()
    asking = {"topic": "followup", "from": PACK.voice_main}
    assert said_at(PACK.voice_main, spoken) == RISK_PAGE
    assert said_at(voice.CONFIRM_CALLER, spoken, asking) == RISK_PAGE
    assert said_at(voice.ENTER_NUMBER, spoken, asking) == RISK_PAGE
    assert said_at(voice.CONFIRM_NUMBER, spoken, {**asking, "number": CALLER}) == RISK_PAGE


@pytest.mark.parametrize("text", CASES["near_misses"] + WRITTEN["not_at_risk"])
def test_everyday_words_that_sound_like_crisis_do_not(text):
    assert texted(text) != RISK_PAGE
    assert said_at(PACK.voice_main, text) != RISK_PAGE


def test_the_risk_page_is_reached_with_nothing_pending():
    session = Session(channel="voice", menu=PACK.voice_main, node=voice.ENTER_NUMBER,
                      pending={"topic": "followup", "from": PACK.voice_main})
    reply, after = voice.step(PACK, session, Event("speech", "i want to die", caller=CALLER))
    assert reply.node == RISK_PAGE and after.pending is None and after.node == RISK_PAGE
