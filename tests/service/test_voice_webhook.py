"""POST /voice over real HTTP, signed like Twilio, against a real Redis; TwiML parsed as XML.

Calls are driven the way Twilio drives them: the <Gather action> with Digits or
SpeechResult, the <Redirect> when the caller says nothing, the <Dial action> when a
transfer ends.
"""

import base64
import datetime as dt
import json
import os
import re
import signal
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue

from flows.pack import load_pack
from flows.render import EMERGENCY_VOICE, EMERGENCY_VOICE_SHORT
from messages import DEFAULT_PACK_DIR
from service.state.embedded_redis import EmbeddedRedis
from service.state import keys
from service.state.keys import PREFIX
from service.web.voice import CLOCK
from tests.load.voice_timing import Clock, Turn, menu_paths
from tests.support import (
    Call,
    Twilio,
    assert_999_said,
    call_state_in,
    gather,
    redis_contents,
    spoken,
    step_of,
    voice_twiml,
)

UTC = dt.timezone.utc
TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
TUESDAY_6PM = dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
KEYED = "07400123456"
TEXTER_MOBILE = "+447400123456"
KEYED_FORMS = ["07400123456", "+447400123456", "447400123456", "7400123456"]
POSH_SPOKEN = "0 3 4 4, 3 8 1, 4 7 7 2"


@pytest.fixture
def at(live):
    """Set the line's clock: at(datetime)."""

    def set_clock(when: dt.datetime):
        live.app.config[CLOCK] = lambda: when

    set_clock(TUESDAY_11AM)
    return set_clock


def assert_999_first(root):
    """The first words of a call, a goodbye or a fallback: the 999 instruction in full."""
    assert_999(root, full_first=True)


def assert_999(root, full_first=False):
    """999 on this turn, as digits: in full and first, or short after the first sentence."""
    said = spoken(root)
    assert_999_said(said, full_first)
    found = root.find("Gather")
    if found is not None:
        # Inside the Gather, so a key press can interrupt it.
        assert root[0] is found and spoken(found)[:2] == said[:2]


def test_a_call_opens_with_999_then_the_menu_inside_a_gather(twilio, at):
    call = twilio.call_start()
    assert_999_first(call.root)
    listen = gather(call.root)
    assert listen.get("input") == "dtmf speech" and listen.get("language") == "en-GB"
    assert int(listen.get("timeout")) >= 8 and listen.get("speechTimeout") == "auto"
    assert "what to do" in listen.get("hints") and "text me the links" in listen.get("hints")
    action = urlsplit(listen.get("action"))
    assert action.path == "/voice/step" and parse_qs(action.query)["n"] == ["1"]
    assert listen.get("method") == "POST"
    assert all(say.get("voice") == "Polly.Amy-Neural" for say in call.root.iter("Say"))
    assert "For what to do now, press 1." in call.said
    assert call.root.find("Redirect").text == listen.get("action")


def test_the_voice_is_configurable(serve, config):
    line = Twilio(serve(config.with_(voice="Polly.Brian-Neural")).url)
    call = line.call_start()
    assert {say.get("voice") for say in call.root.iter("Say")} == {"Polly.Brian-Neural"}


# Every page by key, from the main menu and one level down: (key, words, sub-menu pages).
MENU_TREE = [
    ("1", "Step 1: avoid blame", None),
    ("2", POSH_SPOKEN, None),
    (
        "3",
        "Help if this is happening to you or your child.",
        [
            ("1", "Samaritans are free, day or night"),
            ("2", "You have done nothing wrong"),
            ("3", "Don't blame your child"),
            ("4", "It is not your fault"),
        ],
    ),
    (
        "4",
        "More advice.",
        [
            ("1", "Emotional distress"),
            ("2", "Report Remove"),
            ("3", "Never look at, copy"),
            ("4", "The offender often poses as a child"),
            ("5", "Sextortion is blackmail"),
        ],
    ),
    (
        "5",
        "Coventry contacts, websites, and help if you cannot speak or hear.",
        [("1", "0 2 4, 7 6 7 8, 8 5 5 5"), ("2", "from a mobile press 5 5"), ("3", "Websites to read more")],
    ),
]


def test_walk_the_whole_menu_and_back_999_first_every_time(twilio, at):
    call = twilio.call_start()
    seen = []
    for key, words, pages in MENU_TREE:
        call.press(key)
        assert_999(call.root)
        assert words in call.text
        for page_key, page_words in pages or []:
            call.press(page_key)
            assert_999(call.root)
            assert page_words in call.text
            seen.append(page_words)
            call.press("*")
            assert words in call.text
        seen.append(words)
        call.press("*")
        assert_999(call.root)
        assert "Main menu." in call.said
    assert len(seen) == 17


def test_step_numbers_count_up(twilio, at):
    call = twilio.call_start().press("1").press("9")
    assert step_of(gather(call.root).get("action")) == 3


def test_silence_ends_politely_within_three_turns(twilio, at):
    call = twilio.call_start().silence()
    assert_999(call.root)
    assert "Please press a key, or say what you need." in call.said
    call.silence()
    assert call.root.find("Hangup") is None
    call.silence()
    assert_999_first(call.root)
    assert POSH_SPOKEN in call.text and call.said[-1].endswith("Goodbye.")
    assert call.root.find("Gather") is None and call.root[-1].tag == "Hangup"


def test_unknown_keys_and_words_re_prompt(twilio, at):
    call = twilio.call_start().press("7")
    assert_999(call.root)
    assert call.said[0].startswith("Sorry, that is not one of the choices.") and "For helplines, press 2." in call.said
    assert "Samaritans are free, day or night, on 1 1 6, 1 2 3." in call.said[0]
    call.say("the weather in Leeds")
    assert call.said[0].startswith("Sorry, that is not one of the choices.")


def test_speech_choices_work(twilio, at):
    call = twilio.call_start().say("What to do?")
    assert "Step 1: avoid blame" in call.text
    call.say("main menu").say("helpline")
    assert POSH_SPOKEN in call.text
    call.say("back").say("two")
    assert POSH_SPOKEN in call.text
    call.say("repeat")
    assert POSH_SPOKEN in call.text


def test_8_slows_the_rest_of_the_call(twilio, at):
    call = twilio.call_start().press("8")
    prosody = call.root.find("Gather/Say/prosody")
    assert prosody is not None and prosody.get("rate") == "80%"
    assert_999(call.root)
    assert call.said[0] == "I will speak more slowly."
    call.press("3")
    assert all(say.find("prosody") is not None for say in call.root.iter("Say"))


class TestHelplineHours:
    def test_in_hours_the_caller_is_put_through_and_brought_back_if_busy(self, twilio, at):
        at(TUESDAY_11AM)
        call = twilio.call_start().press("2")
        assert "The Professionals Online Safety Helpline is open now." in call.said
        assert "To be put through to the Professionals Online Safety Helpline now, press 2." in call.said
        call.press("2")
        assert_999(call.root)
        dial = call.root.find("Dial")
        assert dial is not None and dial.find("Number") is None
        assert dial.text == "+443443814772" and int(dial.get("timeout")) > 0
        assert int(dial.get("timeLimit")) == 3600  # an hour at most on the line's bill, not Twilio's four
        assert step_of(dial.get("action")) == 3
        call.dial_ends("busy")
        assert_999(call.root)
        assert "The helpline did not answer." in call.said and "Main menu." in call.said

    @pytest.mark.parametrize("status", ["no-answer", "failed", "canceled"])
    def test_an_unanswered_transfer_comes_back_to_the_menu(self, twilio, at, status):
        call = twilio.call_start().press("2").press("2").dial_ends(status)
        assert gather(call.root) is not None and "For helplines, press 2." in call.said

    def test_out_of_hours_the_caller_hears_when_it_opens_and_is_not_put_through(self, twilio, at):
        at(TUESDAY_6PM)
        call = twilio.call_start().press("2")
        assert "It opens tomorrow at 10 in the morning." in call.text
        assert not any("put through" in line for line in call.said)
        call.press("1")
        assert call.root.find("Dial") is None and "ending 4 5 6" in call.text

    def test_on_a_bank_holiday_it_is_closed(self, twilio, at):
        at(dt.datetime(2026, 12, 28, 11, 0, tzinfo=UTC))  # Boxing Day, observed
        call = twilio.call_start().press("2")
        assert "It opens tomorrow at 10 in the morning." in call.text


def jobs(redis_client):
    return Queue(keys.FOLLOWUP_QUEUE, connection=redis_client).job_ids


class TestTexts:
    def test_a_mobile_caller_confirms_by_last_three_digits_and_the_text_is_queued(self, twilio, at, redis_client):
        call = twilio.call_start(from_="+447400123456").press("1").press("1")
        assert "I can text the mobile number ending 4 5 6." in call.text
        call.press("1")
        assert_999(call.root)
        assert "If that number can get texts from this line, the text will be there in a minute or two." in call.text
        # The text just asked for is not offered again.
        assert not any("by text, press" in line for line in call.said) and "To repeat, press 9." in call.text
        assert len(jobs(redis_client)) == 1

    @pytest.mark.parametrize("caller", ["anonymous", "Restricted", "", "+266696687", "+441234567890", "+12025550123"])
    def test_withheld_landline_or_foreign_callers_key_a_mobile_hear_it_back_and_confirm(self, twilio, at, redis_client, caller):
        call = twilio.call_start(from_=caller).say("text me the links")
        listen = gather(call.root)
        assert listen.get("input") == "dtmf speech" and listen.get("finishOnKey") == "#"
        assert "Please key in a UK mobile number, starting 0 7, then press the hash key." in call.said
        call.press("01234567890")
        assert "Sorry, that is not a UK mobile number." in call.said
        call.press(KEYED)
        assert "You keyed 0 7 4 0 0, 1 2 3 4 5 6. If that is right, press 1. To key it again, press 2." in call.said
        call.press("1")
        assert "If that number can get texts from this line, the text will be there in a minute or two." in call.text
        assert len(jobs(redis_client)) == 1

    def test_a_keyed_number_never_rests_raw_in_redis(self, twilio, at, redis_client):
        call = twilio.call_start(from_="anonymous").press("1").press("1").press(KEYED)
        assert "You keyed 0 7 4 0 0" in call.text  # the number is now held between turns
        assert_not_stored(redis_client, KEYED_FORMS + ["0 7 4 0 0, 1 2 3 4 5 6"])
        # It travels in the step URL, which Twilio keeps, only sealed.
        state = call_state_in(gather(call.root).get("action"))
        assert '"number"' in state
        assert not any(form in state for form in KEYED_FORMS) and "7400123456" not in re.sub(r"\D", "", state)
        call.press("1")
        assert "the text will be there" in call.text
        # The queued job holds it until sent (with a TTL); nothing else does.
        assert_not_stored(redis_client, KEYED_FORMS, skip="rq:")

    def test_a_retried_confirmation_queues_one_text(self, twilio, at, redis_client):
        call = twilio.call_start(from_="+447400123456").press("1").press("1")
        url = gather(call.root).get("action")
        first = call.press("1").response.content
        again = call.post(url, Digits="1").response.content
        assert again == first and len(jobs(redis_client)) == 1

    def test_a_retried_request_for_a_text_acts_once_even_when_the_first_failed(self, twilio, at, redis_client, monkeypatch):
        call = twilio.call_start(from_="+447400123456").press("1").press("1")
        url = gather(call.root).get("action")

        def queue_down(*args, **kwargs):
            raise ConnectionError("queue unavailable")

        with monkeypatch.context() as patched:
            patched.setattr("service.followups.delivery.enqueue", queue_down)
            first = call.press("1").response.content
        assert "Sorry, I could not send the text." in call.text
        # Twilio retries the same step once the queue is back: the same answer, no text.
        again = call.post(url, Digits="1").response.content
        assert again == first and jobs(redis_client) == []


def assert_not_stored(redis_client, forms, skip=None):
    count = 0
    for name, blob in redis_contents(redis_client, skip):
        text = blob.decode("latin-1")
        count += 1
        digits_only = re.sub(r"\D", "", text)
        for form in forms:
            assert form not in text, f"{form!r} in {name}"
            assert re.sub(r"\D", "", form) not in digits_only or len(re.sub(r"\D", "", form)) < 10, name
    assert count, "nothing in Redis: the test would prove nothing"


class TestRetries:
    def test_a_retried_step_gets_the_identical_twiml_and_acts_once(self, twilio, at, redis_client):
        call = twilio.call_start()
        start_again = Call(twilio, call.sid, call.caller).start().response.content
        assert start_again == call.response.content
        url = gather(call.root).get("action")
        first = call.press("2").response.content
        assert "For what to do now, press 1." in call.press("0").said  # the caller moves on
        retried = call.post(url, Digits="2").response.content
        assert retried == first
        # Twilio's retries repeat the form; one that does not is no retry of Twilio's. It is
        # answered for what it says (the record keeps no input to replay), and acts on nothing.
        voice_twiml(call.post(url, Digits="4").response)
        day = next(redis_client.scan_iter(f"{PREFIX}stats:*"))
        assert redis_client.hget(day, "voice:helplines") == b"1"
        assert {k for k in redis_client.hkeys(day) if k.startswith(b"voice:")} == {b"voice:voice_main", b"voice:helplines"}

    def test_deliveries_are_keyed_by_a_hash_of_the_call_sid(self, twilio, at, redis_client):
        call = twilio.call_start().press("1")
        keys = [k.decode() for k in redis_client.scan_iter(f"{PREFIX}*")]
        assert keys and not any(call.sid in k or "7400123456" in k for k in keys)
        assert len([k for k in keys if k.startswith(f"{PREFIX}delivery:voice:")]) == 2
        # The call's state is in its step URLs, not in Redis.
        assert not [k for k in keys if k.startswith(f"{PREFIX}session:")]


def test_unsigned_requests_are_refused(live):
    for path in ("/voice", "/voice/step?n=1", "/voice/fallback"):
        assert requests.post(live.url + path, data={"CallSid": "CA1"}, timeout=5).status_code == 403


def test_fallback_needs_no_redis_and_says_999_the_helpline_and_goodbye(serve, config):
    down = Twilio(serve(config.with_(redis_url="redis://127.0.0.1:1/0")).url)
    root = voice_twiml(down.post("/voice/fallback", {"CallSid": "CA" + "1" * 32, "From": "anonymous"}))
    assert_999_first(root)
    assert POSH_SPOKEN in " ".join(spoken(root)) and spoken(root)[-1].endswith("Goodbye.")
    assert root[-1].tag == "Hangup"


def test_redis_down_still_answers_with_999_and_the_menu_works(serve, config):
    down = Twilio(serve(config.with_(redis_url="redis://127.0.0.1:1/0")).url)
    call = down.call_start()
    assert_999_first(call.root) and "For what to do now, press 1." in call.said
    call.press("1")
    assert_999(call.root)
    assert "Step 1: avoid blame" in call.text
    call = down.call_start().say("text me the links")
    assert_999(call.root)
    assert "ending 4 5 6" in call.text


def test_redis_hung_mid_call_still_answers_within_a_second(serve, config, tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    server.start()
    try:
        line = Twilio(serve(config.with_(redis_url=server.url)).url)
        call = line.call_start().press("4")
        assert "More advice." in call.said
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            call.press("5")
            assert time.monotonic() - started < 1.0
            assert_999(call.root)
            # The state is in the step URL: the call keeps its place in "More advice".
            assert "Sextortion is blackmail" in call.text
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
    finally:
        server.stop()


def test_a_bug_is_answered_with_the_fallback_not_a_5xx(twilio, at, monkeypatch, captured_logs):
    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr("service.web.voice.step", broken)
    root = voice_twiml(twilio.post("/voice", {"CallSid": "CA" + "9" * 32, "From": "+447400123456"}))
    assert_999_first(root)
    assert root[-1].tag == "Hangup" and POSH_SPOKEN in " ".join(spoken(root))
    assert any(r.levelname == "ERROR" and "voice webhook failed" in r.getMessage() for r in captured_logs.records)


def test_a_bug_in_reading_the_state_answers_from_a_fresh_call(twilio, at, monkeypatch, captured_logs):
    def broken(*args):
        raise RuntimeError("a bug")

    call = twilio.call_start()
    monkeypatch.setattr("service.twilio.call_state.decode", broken)
    call.press("2")
    assert_999_first(call.root)
    assert POSH_SPOKEN in call.text  # 2 from the main menu: the helplines
    assert step_of(gather(call.root).get("action")) == 2 and call_state_in(gather(call.root).get("action"))
    assert any("voice webhook failed" in r.getMessage() for r in captured_logs.records)


@pytest.mark.parametrize("path", ["/voice", "/voice/"])
def test_a_bug_at_a_calls_start_answers_the_start_of_a_call(twilio, at, monkeypatch, path):
    # Not Redis: a fault in the step's claim itself, which leaves the call's state untrusted.
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("service.state.store.Store.claim", broken)
    root = voice_twiml(twilio.post(path, {"CallSid": "CA" + "8" * 32, "From": "+447400123456"}))
    assert_999_first(root)
    # The main menu, as a call begins: not the goodbye that ends a silent one.
    assert root[-1].tag != "Hangup" and "For helplines, press 2." in " ".join(spoken(root))


def test_missing_fields_still_get_999_and_the_menu(twilio, at):
    root = voice_twiml(twilio.post("/voice", {}))
    assert_999_first(root)
    root = voice_twiml(twilio.post("/voice/step?n=abc", {}))
    assert_999(root)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step=st.integers(min_value=-5, max_value=20_000),
    digits=st.one_of(st.text(alphabet="0123456789*#", max_size=20), st.text(max_size=20)),
    speech=st.text(max_size=200),
    caller=st.sampled_from(["+447400123456", "anonymous", "", "+441234567890", "x" * 40]),
    dial=st.sampled_from(["", "completed", "busy", "no-answer"]),
    # The call's state as the URL carries it: real ones, junk, and JSON of the wrong shape.
    state=st.one_of(
        st.sampled_from(["", "e30", "bnVsbA", "W10", "eyJjaGFubmVsIjoidm9pY2UifQ", "%%%", "====", "\u00e9"]),
        st.text(max_size=60),
        st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.dictionaries(
            st.sampled_from(["channel", "menu", "node", "trail", "silences", "slow", "pending"]),
            st.one_of(st.none(), st.integers(), st.text(max_size=12), st.just("voice"), st.lists(st.text(max_size=8), max_size=3)),
            max_size=7,
        ).map(lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode()),
    ),
)
def test_any_input_gets_200_valid_twiml_and_999_first(twilio, at, captured_logs, step, digits, speech, caller, dial, state):
    form = {"CallSid": "CA" + "a" * 32, "From": caller, "Digits": digits, "SpeechResult": speech}
    if dial:
        form["DialCallStatus"] = dial
    root = voice_twiml(twilio.post(f"/voice/step?{urlencode({'n': step, 's': state})}", form))
    assert_999(root)
    # A way on: listen, put through, or hang up.
    assert {child.tag for child in root} & {"Gather", "Dial", "Hangup"}
    # Answered by the flow, not rescued by the error handler.
    assert not [r for r in captured_logs.records if r.levelname == "ERROR"]


# --- issue 12: 999 as digits, keys that keep their meaning, what is promised is sent ---

PACK = load_pack(DEFAULT_PACK_DIR)
TUESDAY_8PM = dt.datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
BANK_HOLIDAY_11AM = dt.datetime(2026, 12, 28, 11, 0, tzinfo=UTC)  # Boxing Day, observed
BANK_HOLIDAY_8PM = dt.datetime(2026, 12, 28, 20, 0, tzinfo=UTC)


def places():
    """Every place on the voice menu and the keys that reach it from the main menu."""
    return menu_paths(PACK)


def offers(said: list[str]) -> dict[str, str]:
    """What each key is offered for on this turn: {"2": "For helplines"}, option before key."""
    found = {}
    for line in said:
        for option, key in re.findall(r"([^.]+?), press (\d|star)\b", line):
            found[key] = option.strip()
    return found


def assert_all_999_digits(root):
    for say in root.iter("Say"):
        assert "999" not in "".join(say.itertext()), ET.tostring(say)


def test_999_is_said_as_digits_on_every_turn_of_every_path(twilio, at):
    start = twilio.call_start()
    assert_999_first(start.root)
    for node, path in places().items():
        call = twilio.call_start()
        for key in path:
            call.press(key)
            assert_999(call.root)
            assert_all_999_digits(call.root)
        # Each page and menu, at normal speed and slower, and its way back.
        for key in ("9", "8", "*"):
            call.press(key)
            assert_999(call.root)
            assert_all_999_digits(call.root)
    # Asking for a text, the answer, a goodbye and the fallback.
    call = twilio.call_start(from_="anonymous").press("4").press("1")
    for step in (lambda c: c.press(KEYED), lambda c: c.press("1")):
        step(call)
        assert_999(call.root)
        assert_all_999_digits(call.root)
    call.silence().silence().silence()
    assert call.root.find("Hangup") is not None
    assert_999_first(call.root)
    assert_all_999_digits(call.root)
    root = voice_twiml(twilio.post("/voice/fallback", {"CallSid": "CA" + "1" * 32, "From": "anonymous"}))
    assert_999_first(root)
    assert_all_999_digits(root)


@pytest.mark.parametrize(
    "when, open_",
    [
        (TUESDAY_11AM, True),
        (TUESDAY_8PM, False),
        (BANK_HOLIDAY_11AM, False),
        (BANK_HOLIDAY_8PM, False),
    ],
    ids=["weekday 11:00", "weekday 20:00", "bank holiday 11:00", "bank holiday 20:00"],
)
def test_a_key_means_the_same_on_a_page_whatever_the_hour(twilio, at, when, open_):
    at(when)
    main = twilio.call_start()
    # The main menu offers the same keys, for the same choices, at any hour.
    assert offers(main.said) == {
        "1": "For what to do now",
        "2": "For helplines",
        "3": "For help if you cannot cope, or if this is happening to you or your child",
        "4": "For more advice",
        "5": "For Coventry contacts, websites, and help if you cannot speak or hear",
        "8": "For slower speech",
        "9": "To repeat",
    }
    page = twilio.call_start().press("2")
    said = offers(page.said)
    assert said["1"] == "To get this by text" and said["9"] == "To repeat" and said["star"] == "To go back"
    assert ("2" in said) == open_ and said.get("2", "To be put through to the Professionals Online Safety Helpline now") == (
        "To be put through to the Professionals Online Safety Helpline now"
    )
    # 1 is "text me" at any hour...
    texting = twilio.call_start().press("2").press("1")
    assert "ending 4 5 6" in texting.text and texting.root.find("Dial") is None
    # ...and 2 puts the caller through only while open; otherwise it is no choice at all.
    through = twilio.call_start().press("2").press("2")
    if open_:
        assert through.root.find("Dial").text == "+443443814772"
    else:
        assert through.root.find("Dial") is None and through.said[0].startswith("Sorry, that is not one of the choices.")
        assert "ending" not in through.text


def queued_bodies(redis_client) -> list[str]:
    return [job.args[1] for job in Queue(keys.FOLLOWUP_QUEUE, connection=redis_client).jobs]


@pytest.mark.parametrize("node", ["steps", "links"])
def test_the_text_key_after_a_links_offer_queues_the_links_page(twilio, at, redis_client, node):
    assert "I can send you the links by text." in PACK.voice_texts[node]
    call = twilio.call_start(from_=TEXTER_MOBILE)
    for key in places()[node]:
        call.press(key)
    assert "To get the links by text, press 1." in call.said
    call.press("1").press("1")
    assert "If that number can get texts from this line, the text will be there in a minute or two." in call.text
    [body] = queued_bodies(redis_client)
    assert body == PACK.sms_page("followup", TUESDAY_11AM)  # as it reads at the call's time
    assert PACK.links["report_remove"].url in body and PACK.links["take_it_down"].url in body
    # The turn that says so does not offer the same text again.
    assert "by text, press" not in call.text


def test_a_page_offered_by_text_sends_that_page(twilio, at, redis_client):
    call = twilio.call_start(from_=TEXTER_MOBILE).press("4").press("1")
    assert "To get this by text, press 1." in call.said
    call.press("1").press("1")
    assert queued_bodies(redis_client) == [PACK.sms_page("signs", TUESDAY_11AM)]


def test_the_fastest_path_to_the_helpline_number(twilio, at):
    """Structure that makes the number quick, timed by make voice-timing's model (words
    at 150 a minute, each digit a word), not by the clock: the helpline key is offered
    straight after the 999 sentence, the greeting and one other option, and the page it
    leads to opens with the name and the number, the 999 reminder after them."""
    clock = Clock("words")
    start = twilio.call_start()
    said = start.said
    assert said[:2] == [EMERGENCY_VOICE, PACK.voice_say["greeting"]]
    assert said[2:4] == ["For what to do now, press 1.", "For helplines, press 2."]
    offered = Turn(start.root, clock).until(r"helplines, press 2")
    page = start.press("2")
    assert page.said[0].startswith(f"Professionals Online Safety Helpline, {POSH_SPOKEN},")
    assert page.said[1] == EMERGENCY_VOICE_SHORT
    to_number = Turn(page.root, clock).until_words(POSH_SPOKEN)
    assert to_number <= 8 and offered + to_number <= 20, (offered, to_number)


@pytest.mark.parametrize(
    "confidence, heard", [("0.92", "parent"), ("0.3", "voice_you"), ("0", "parent"), ("", "parent"), ("high", "parent"), ("7", "parent")]
)
def test_words_the_recogniser_doubts_are_asked_about(twilio, confidence, heard):
    """Twilio's Confidence below a half: the menu that offers the page asks, rather than
    a page given on words that may be misheard. 0, absent or junk: no estimate."""
    call = twilio.call_start()
    call.post(gather(call.root).get("action"), SpeechResult="my son is being blackmailed", Confidence=confidence)
    said = call.text
    assert ("Don't blame your child" in said) == (heard == "parent")
    assert ("For parents and carers, press 3." in said) == (heard == "voice_you")


def test_words_of_crisis_while_keying_a_number_reach_the_page_for_them(twilio):
    """Asked for a number, the line still listens for words: "I want to die" said there
    reaches the at-risk page, as at any menu."""
    call = twilio.call_start(from_="anonymous").say("text me the links")
    assert gather(call.root).get("input") == "dtmf speech"
    call.say("i can't do this anymore i want to die")
    assert "Samaritans are free, day or night, on 1 1 6, 1 2 3." in call.text


def test_a_long_spoken_story_is_read_to_its_end_for_words_of_crisis(twilio):
    story = (
        "so um basically i met this girl online and we were talking for weeks and she asked for pictures "
        "and i sent them and now it is not even a girl it is some man and he says he will send them to "
        "everyone at my school and my family unless i pay him and i have already paid fifty pounds and he "
        "wants more and i do not have any more money and i cannot tell my mum or my dad because they "
        "would be so disappointed in me and everyone is going to see them and i just keep thinking about "
        "it all day and all night and i cannot sleep and i cannot eat and i have not been to school "
    ) * 2
    call = twilio.call_start().say(story + "and i am going to kill myself tonight")
    assert len(story) > 1000
    assert "Samaritans are free, day or night, on 1 1 6, 1 2 3." in call.text
