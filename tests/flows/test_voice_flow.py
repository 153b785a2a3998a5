"""The voice conversation, pure: tables of caller event -> what the line does
(tests/flows/voice_cases.toml), a walk of the whole menu tree, and any input at all."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.model import FollowUpOutcome, VoiceReply
from flows.pack import VOICE_MAX_OPTIONS, load_pack
from flows.render import emergency_voice, has_bare_999, voice_turn
from flows.voice import SILENCES_BEFORE_GOODBYE
from messages import DEFAULT_PACK_DIR
from tests.fakes import Followups
from tests.flows import cases
from tests.flows.cases import MOBILE, TUESDAY_11AM

PACK = load_pack(DEFAULT_PACK_DIR)
CASES = cases.load("voice_cases.toml")


def call(events, caller=MOBILE, at=TUESDAY_11AM, followups=None):
    """Play ``events`` (kind, value) from a fresh call; the replies in order."""
    session, replies = Session(channel="voice"), []
    services = (followups or Followups()).services()
    for kind, value in events:
        reply, session = step(PACK, session, Event(kind, value, at=at, caller=caller), services)
        replies.append(reply)
    return replies, session


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_call(case):
    cases.play(PACK, case, "voice")


def voice_menus():
    return {key: menu for key, menu in PACK.menus.items() if menu.channel == "voice"}


def test_voice_menus_offer_at_most_5_choices():
    assert voice_menus()
    for menu in voice_menus().values():
        assert 1 <= len(menu.options) <= VOICE_MAX_OPTIONS, menu.id


def walk():
    """Every place a caller can reach by keys from the main menu: node -> the keys that get there."""
    start, _ = call([("start", "")])
    paths, queue = {start[0].node: []}, [[]]
    while queue:
        keys = queue.pop(0)
        replies, session = call([("start", "")] + [("digits", k) for k in keys])
        node = replies[-1].node
        if node not in PACK.menus:
            continue
        for n in range(1, len(PACK.menus[node].options) + 1):
            replies, _ = call([("start", "")] + [("digits", k) for k in keys + [str(n)]])
            reached = replies[-1].node
            if reached not in paths:
                paths[reached] = keys + [str(n)]
                queue.append(keys + [str(n)])
    return paths


PATHS = walk()


def test_every_voice_topic_and_menu_is_reachable_by_keys():
    offered = {o for menu in voice_menus().values() for o in menu.options} | {PACK.voice_main}
    assert offered == set(PATHS)
    # Every topic written for the ear is on a voice menu.
    assert set(PACK.voice_texts) <= set(PATHS)


@pytest.mark.parametrize("node", sorted(PATHS))
def test_every_place_has_a_way_back_and_says_the_keys(node):
    keys = PATHS[node]
    replies, session = call([("start", "")] + [("digits", k) for k in keys])
    here = replies[-1]
    assert here.listen == "menu" and PACK.voice_say["key_repeat"] in here.say[-1]
    # Back and main menu are said only where they go somewhere the caller is not.
    said_back = PACK.voice_say["key_back"] in here.say[-1]
    said_main = PACK.voice_say["key_main"] in here.say[-1]
    assert said_back == (node != PACK.voice_main)
    assert said_main == (len(keys) > 1)
    back, _ = call([("start", "")] + [("digits", k) for k in keys + ["*"]])
    parent = PATHS[node][:-1]
    expected = call([("start", "")] + [("digits", k) for k in parent])[0][-1].node if parent else PACK.voice_main
    assert back[-1].node == expected
    again, _ = call([("start", "")] + [("digits", k) for k in keys + ["9"]])
    # The first turn's greeting stands in for the main menu's title.
    title = (PACK.voice_say["greeting"], PACK.menus[PACK.voice_main].intro)
    assert [line for line in again[-1].say if line not in title] == [line for line in here.say if line not in title]
    main, _ = call([("start", "")] + [("digits", k) for k in keys + ["0"]])
    assert main[-1].node == PACK.voice_main


@pytest.mark.parametrize("node", sorted(n for n in PATHS if n in PACK.topics))
def test_after_every_topic_the_caller_can_get_it_by_text(node):
    replies, _ = call([("start", "")] + [("digits", k) for k in PATHS[node]] + [("speech", "text me")])
    assert replies[-1].node == "text:confirm_caller"
    followups = Followups()
    call([("start", "")] + [("digits", k) for k in PATHS[node]] + [("speech", "text me"), ("digits", "1")], followups=followups)
    sent = PACK.topics[node].by_text or node  # the page a topic names for texting, else its own
    [asked] = followups.asked
    assert asked.topic == sent and asked.number == MOBILE


def test_choices_are_numbered_from_1_without_gaps():
    for menu in voice_menus().values():
        replies, _ = call([("start", "")] + [("digits", k) for k in PATHS[menu.id]])
        # The last line is the common keys, not the choices.
        keys = [line.rsplit("press ", 1)[1].rstrip(".") for line in replies[-1].say[:-1] if line.startswith("For ")]
        assert keys == [str(n) for n in range(1, len(menu.options) + 1)], menu.id


def test_no_link_is_ever_said():
    for text in [*PACK.voice_texts.values(), *PACK.voice_say.values()]:
        assert "http" not in text and "www" not in text and ".org" not in text and ".uk" not in text


def test_numbers_are_read_digit_by_digit_in_their_groups():
    assert "0 3 4 4, 3 8 1, 4 7 7 2" in PACK.voice_texts["helplines"]
    assert "0344" not in " ".join(PACK.voice_texts.values())


def test_a_fresh_session_after_a_lost_one_answers_from_the_main_menu():
    reply, session = step(PACK, Session(channel="voice"), Event("digits", "2", at=TUESDAY_11AM, caller=MOBILE))
    assert reply.node == "helplines" and session.menu == PACK.voice_main


EVENTS = st.one_of(
    st.tuples(st.just("digits"), st.text(alphabet="0123456789*#", max_size=14)),
    st.tuples(st.just("digits"), st.text(max_size=8)),
    st.tuples(st.just("speech"), st.text(max_size=60)),
    st.tuples(st.just("silence"), st.just("")),
    st.tuples(st.just("dial"), st.sampled_from(["completed", "busy", "no-answer", "failed", "x"])),
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(EVENTS, max_size=12),
    caller=st.sampled_from([MOBILE, "anonymous", "", "+441234567890", "+12025550123", "junk"]),
    at=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.timezone.utc)),
    outcome=st.sampled_from(list(FollowUpOutcome)),
)
def test_any_call_always_has_a_way_on_and_never_loops_on_silence(events, caller, at, outcome):
    session, services = Session(channel="voice"), Followups(outcome).services()
    reply, session = step(PACK, session, Event("start", at=at, caller=caller), services)
    silences = 0
    for kind, value in events:
        if reply.hangup:
            break
        reply, session = step(PACK, session, Event(kind, value, at=at, caller=caller), services)
        assert isinstance(reply, VoiceReply)
        # 999 on every turn, as digits, in full first wherever the call may end.
        said = voice_turn(reply.say, reply.first_words, reply.reader)
        assert any("9 9 9" in line for line in said[:2]) and not any(has_bare_999(line) for line in said)
        if reply.hangup:
            assert said[0] == emergency_voice(reply.reader)
        # Every reply listens, puts the caller through, or says goodbye: no dead end.
        assert reply.listen in ("menu", "number") or reply.dial or reply.hangup
        assert reply.say
        silences = silences + 1 if kind == "silence" else 0
        assert silences < SILENCES_BEFORE_GOODBYE or reply.hangup


@settings(max_examples=200, deadline=None)
@given(
    node=st.sampled_from(sorted(n for n in PATHS if n in PACK.topics)),
    at=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.timezone.utc)),
)
def test_on_a_page_1_is_always_text_me_and_2_puts_through_only_while_open(node, at):
    keys = [("start", "")] + [("digits", k) for k in PATHS[node]]
    page = call(keys, at=at)[0][-1]
    texted = call(keys + [("digits", "1")], at=at)[0][-1]
    assert texted.node == "text:confirm_caller"
    through = call(keys + [("digits", "2")], at=at)[0][-1]
    topic = PACK.topics[node]
    open_ = bool(topic.transfer) and PACK.openings[topic.transfer].is_open(at)
    offered = PACK.voice_say["put_through"].replace("{key}", "2")
    assert (offered in page.say) == open_
    if open_:
        assert through.dial and through.node == node
    else:
        assert not through.dial and through.say[0] == PACK.voice_say["not_a_choice"]
