"""Asking for texts, as someone pumping SMS would: over signed HTTP, with the real
flow, Lua script and queue. Texts are paid per message, so a caller who keys number
after number, calls again and again, or keys the number of someone who texted STOP
must get no more than a genuine caller would, and learn nothing."""

import datetime as dt
import itertools
import time

import pytest
from rq import Queue

from service.state import keys
from service.web.voice import ASK_TAKES, CLOCK
from tests.support import Twilio, message_text

TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
# Said alike whether the text was queued, the number texted STOP or an allowance is used up.
NEUTRAL = "If that number can get texts from this line, the text will be there in a minute or two."
# Numbers a pumping caller keys, one after another (valid UK mobiles).
TARGETS = [f"0740055{n:04d}" for n in range(6)]
# Numbers of a caller's own, each keyed once.
OWN_NUMBERS = (f"0740066{n:04d}" for n in itertools.count())


@pytest.fixture
def in_opening_hours(live):
    live.app.config[CLOCK] = lambda: TUESDAY_11AM


def queued(redis_client) -> int:
    return len(Queue(keys.FOLLOWUP_QUEUE, connection=redis_client).job_ids)


def key_and_confirm(call, number: str) -> str:
    """From anywhere in the call: "text me the links", key ``number``, confirm. What was said."""
    call.say("text me the links")
    if "ending" in call.text:  # a mobile caller is offered their own number first
        call.press("2")
    call.press(number)
    assert "You keyed" in call.text
    call.press("1")
    return call.text


def test_one_call_gets_two_texts_however_many_numbers_it_keys(twilio, redis_client):
    call = twilio.call_start(from_="anonymous")
    heard, waiting = [], []
    for number in TARGETS[:4]:
        heard.append(key_and_confirm(call, number))
        waiting.append(queued(redis_client))
    assert waiting == [1, 2, 2, 2]
    assert all(NEUTRAL in h for h in heard)


def own_texts(twilio, redis_client, caller: str, first: str) -> int:
    """A call keys ``first`` (someone else's number), then two of its own (never keyed
    before): how many texts those two get, which is all such a caller can count."""
    call = twilio.call_start(from_=caller)
    key_and_confirm(call, first)
    before = queued(redis_client)
    for _ in range(2):
        key_and_confirm(call, next(OWN_NUMBERS))
    return queued(redis_client) - before


def test_the_texts_a_call_gets_tell_nothing_of_an_opt_out_a_used_up_number_or_the_caller_id(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(followups_per_number_per_day=1, followups_per_hour=50)).url)
    victim = "+447400999001"
    key_and_confirm(twilio.call_start(from_=victim), TARGETS[0])  # the victim asked for a text today
    message_text(twilio.sms("STOP", sender="+447400550009"))  # someone else opted out
    as_victim_keying_opted_out = own_texts(twilio, redis_client, victim, "07400550009")
    keying_a_used_up_number = own_texts(twilio, redis_client, "+447400999003", TARGETS[0])
    as_stranger_keying_unused = own_texts(twilio, redis_client, "+447400999002", TARGETS[1])
    assert as_victim_keying_opted_out == keying_a_used_up_number == as_stranger_keying_unused == 1


def test_whether_the_line_is_busy_tells_nothing_of_the_number_keyed(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(followups_per_number_per_day=1, followups_per_hour=2)).url)
    key_and_confirm(twilio.call_start(from_="anonymous"), TARGETS[0])  # its day's text
    key_and_confirm(twilio.call_start(from_="anonymous"), TARGETS[0])  # used up: still counted
    assert "too busy" in key_and_confirm(twilio.call_start(from_="anonymous"), TARGETS[1])


def spoken_after_confirming(call, number: str) -> list[str]:
    """What the line said once the number was confirmed, up to the menu it goes back to."""
    key_and_confirm(call, number)
    return [line for line in call.said if "press" not in line]


def test_opted_out_used_up_and_unused_numbers_hear_the_very_same_words(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(followups_per_number_per_day=1)).url)
    opted_out = "+447400550000"
    message_text(twilio.sms("STOP", sender=opted_out))
    key_and_confirm(twilio.call_start(from_="anonymous"), "07400550001")
    told = {
        "opted out": spoken_after_confirming(twilio.call_start(from_="+447400999003"), "07400550000"),
        "used up": spoken_after_confirming(twilio.call_start(from_="+447400999004"), "07400550001"),
        "never used": spoken_after_confirming(twilio.call_start(from_="+447400999005"), "07400550002"),
    }
    assert told["opted out"] == told["used up"] == told["never used"]
    assert any(NEUTRAL in line for line in told["never used"])
    assert queued(redis_client) == 2  # the first text and the never-used number's


def test_the_line_wide_ceiling_is_told_as_the_line_being_busy(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(followups_per_hour=1)).url)
    assert NEUTRAL in key_and_confirm(twilio.call_start(from_="anonymous"), TARGETS[0])
    busy = key_and_confirm(twilio.call_start(from_="+447400999005"), TARGETS[1])
    assert "the line is too busy to send texts just now" in busy
    assert "most texts allowed" not in busy and queued(redis_client) == 1


def test_a_keyed_number_is_texted_only_once_the_caller_confirms_it(twilio, redis_client):
    call = twilio.call_start(from_="anonymous").say("text me the links").press(TARGETS[0])
    assert "You keyed 0 7 4 0 0, 5 5 0 0 0 0" in call.text and queued(redis_client) == 0
    call.press("2")  # not right: key it again
    assert "Please key in a UK mobile number" in call.text and queued(redis_client) == 0


def test_a_call_is_put_through_twice_at_most(twilio, in_opening_hours):
    call = twilio.call_start(from_="+447400999006")
    for _ in range(2):
        call.press("2").press("2")  # helplines (open), put through
        assert call.root.find("Dial") is not None
        call.dial_ends("completed")
    call.press("2")
    assert "put through" not in call.text
    call.say("put me through")
    assert call.root.find("Dial") is None


def test_an_opted_out_number_is_answered_no_sooner_than_a_queued_one(twilio, redis_client):
    """Not quicker than queueing a text, which is the slowest outcome (timed side by side
    by tests/load/followup_timing.py): the time must not say what the words do not."""
    message_text(twilio.sms("STOP", sender="+447400550000"))
    call = twilio.call_start(from_="anonymous").say("text me the links").press("07400550000")
    began = time.monotonic()
    call.press("1")
    # Queueing takes a few milliseconds here; the floor must stand well clear of it.
    assert time.monotonic() - began >= ASK_TAKES >= 0.02
    assert NEUTRAL in call.text and queued(redis_client) == 0
