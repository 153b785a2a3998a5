"""Words of crisis reach the page for someone at risk, by text and by voice, wherever
they are said; everyday words that only sound like them do not (cases as data)."""

import tomllib
from pathlib import Path

import pytest

from flows import voice
from flows.model import Event, Session
from flows.sms import step
from flows.pack import load_pack
from flows.crisis import RISK
from flows.risk_model import EXAMPLES, example_files
from flows.words import words
from messages import DEFAULT_PACK_DIR

PACK = load_pack(DEFAULT_PACK_DIR)
RISK_PAGE = PACK.understanding.risk_page
CALLER = "+447400123456"
# The ways of speaking of crisis, and near misses, the line is held to case by case.
CASES = tomllib.loads((DEFAULT_PACK_DIR / EXAMPLES / "cases.toml").read_text())
# The pack's other examples for the risk model, written by people who had not seen the
# line's tables or each other's: what a trained model must get right, nearly all of it.
SETS = [tomllib.loads(path.read_text()) for path in example_files(DEFAULT_PACK_DIR) if path.name != "cases.toml"]
WRITTEN = {
    name: [case for written in SETS for case in written.get(name, [])] for name in ("at_risk_texts", "at_risk_speech", "not_at_risk")
}
# A regularised model does not learn every example it is taught (that is what lets it
# read words it was never taught); of the pack's own examples it must get this many right.
LEARNT_CRISES = 0.99
NEAR_MISSES_TAKEN = 0.06


def texted(text: str) -> str:
    reply, _ = step(PACK, Session(), Event("text", text))
    return reply.node


def said_at(node: str, words: str, pending: dict | None = None) -> str:
    session = Session(channel="voice", menu=PACK.voice_main, node=node, pending=pending)
    reply, _ = voice.step(PACK, session, Event("speech", words, caller=CALLER))
    return reply.node


def heard_at_every_step(spoken: str) -> bool:
    asking = {"topic": "followup", "from": PACK.voice_main}
    return all(
        said_at(node, spoken, pending) == RISK_PAGE
        for node, pending in [
            (PACK.voice_main, None),
            (voice.CONFIRM_CALLER, asking),
            (voice.ENTER_NUMBER, asking),
            (voice.CONFIRM_NUMBER, {**asking, "number": CALLER}),
        ]
    )


@pytest.mark.parametrize("text", CASES["at_risk"])
def test_words_of_crisis_by_text_get_the_page_for_someone_at_risk(text):
    assert texted(text) == RISK_PAGE


@pytest.mark.parametrize("text", CASES["at_risk"])
def test_words_of_crisis_said_at_any_menu_or_while_asking_for_a_text_get_that_page(text):
    assert heard_at_every_step(text.lower())


@pytest.mark.parametrize("text", CASES["near_misses"])
def test_everyday_words_that_sound_like_crisis_do_not(text):
    assert texted(text) != RISK_PAGE
    assert said_at(PACK.voice_main, text) != RISK_PAGE


def test_nearly_every_written_crisis_is_learnt_by_text_and_by_voice():
    missed = [t for t in WRITTEN["at_risk_texts"] if texted(t) != RISK_PAGE]
    missed += [t for t in WRITTEN["at_risk_speech"] if not heard_at_every_step(t.lower())]
    crises = len(WRITTEN["at_risk_texts"]) + len(WRITTEN["at_risk_speech"])
    assert len(missed) <= (1 - LEARNT_CRISES) * crises, missed


def test_few_written_near_misses_are_taken_for_crisis():
    taken = [t for t in WRITTEN["not_at_risk"] if texted(t) == RISK_PAGE]
    assert len(taken) <= NEAR_MISSES_TAKEN * len(WRITTEN["not_at_risk"]), taken


def test_the_risk_page_is_reached_with_nothing_pending():
    session = Session(
        channel="voice", menu=PACK.voice_main, node=voice.ENTER_NUMBER, pending={"topic": "followup", "from": PACK.voice_main}
    )
    reply, after = voice.step(PACK, session, Event("speech", "i want to die", caller=CALLER))
    assert reply.node == RISK_PAGE and after.pending is None and after.node == RISK_PAGE


ALONE_CASES = tomllib.loads((Path(__file__).parent / "crisis_alone.toml").read_text())


@pytest.mark.parametrize("text", ALONE_CASES["at_risk"])
def test_a_coded_farewell_sent_alone_gets_the_page_for_someone_at_risk_by_text_and_said(text):
    assert texted(text) == RISK_PAGE
    assert heard_at_every_step(text.lower())


@pytest.mark.parametrize("text", ALONE_CASES["everyday"])
def test_the_same_words_inside_an_everyday_message_do_not(text):
    assert texted(text) != RISK_PAGE


TOLD_OFF = tomllib.loads((Path(__file__).parent / "crisis_told_off.toml").read_text())


@pytest.mark.parametrize("text", TOLD_OFF["told_off"])
def test_a_telling_off_at_home_or_at_work_is_not_taken_for_a_threat(text):
    assert texted(text) != RISK_PAGE
    assert said_at(PACK.voice_main, text.lower()) != RISK_PAGE


@pytest.mark.parametrize("text", TOLD_OFF["meant"])
def test_the_same_words_of_an_offender_or_a_partner_are(text):
    assert texted(text) == RISK_PAGE
    assert heard_at_every_step(text.lower())


IN_PASSING = tomllib.loads((Path(__file__).parent / "crisis_in_passing.toml").read_text())


@pytest.mark.parametrize("text", IN_PASSING["everyday"])
def test_a_term_of_address_or_an_idiom_is_not_taken_for_crisis(text):
    assert RISK not in words(text)


@pytest.mark.parametrize("text", IN_PASSING["meant"])
def test_the_same_words_said_as_a_farewell_or_a_wish_are(text):
    assert RISK in words(text)
    assert texted(text) == RISK_PAGE
