"""Put-throughs (a paid call to a helpline) are capped for the whole line per hour,
besides the call's own two: spoofed caller IDs, call after call, cannot have the line ring
helplines without end. Past a cap the caller hears the helpline could not be reached and
is back at the menu, and is not offered it again. Nothing is counted per calling number,
so a caller who spoofs someone's number learns nothing of whether they called."""

import datetime as dt

import pytest

from service.state import keys
from service.web.voice import CLOCK
from tests.support import Twilio

TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
PUT_THROUGH_OFFER = "To be put through to the Professionals Online Safety Helpline now, press 2."
# Said past a cap: not that the helpline did not answer, which would not be true.
CANNOT_PUT_THROUGH = (
    "Sorry, this line cannot put calls through just now. Please call the helpline yourself: its number is on the helplines page."
)


@pytest.fixture
def line(serve, config):
    def start(**caps):
        live = serve(config.with_(**caps))
        live.app.config[CLOCK] = lambda: TUESDAY_11AM  # the helpline is open
        return Twilio(live.url)

    return start


def put_through(twilio: Twilio, caller: str) -> bool:
    """A call to helplines, asking to be put through: whether Twilio was told to dial."""
    call = twilio.call_start(from_=caller).press("2")
    assert PUT_THROUGH_OFFER in call.said
    call.press("2")
    if call.root.find("Dial") is not None:
        return True
    assert CANNOT_PUT_THROUGH in call.said and PUT_THROUGH_OFFER not in call.said
    return False


def test_fifty_spoofed_callers_get_no_more_than_the_lines_hourly_cap(line, redis_client):
    twilio = line(put_throughs_per_hour=5)
    made = [put_through(twilio, f"+4474009{n:05d}") for n in range(8)]
    assert made == [True] * 5 + [False] * 3
    assert redis_client.zcard(keys.PUT_THROUGH_LINE) == 5


def test_a_spoofed_caller_id_cannot_tell_whether_that_number_was_put_through(line):
    twilio = line(put_throughs_per_hour=20)
    victim, stranger = "+447400123456", "+447400654321"
    assert put_through(twilio, victim) and put_through(twilio, victim)  # the victim's own calls
    as_victim = [put_through(twilio, victim) for _ in range(4)]
    as_stranger = [put_through(twilio, stranger) for _ in range(4)]
    assert as_victim == as_stranger == [True] * 4


def test_withheld_callers_are_held_by_the_lines_cap(line):
    twilio = line(put_throughs_per_hour=3)
    assert [put_through(twilio, "anonymous") for _ in range(4)] == [True, True, True, False]


def test_a_retried_step_is_put_through_again_and_counted_once(line, redis_client):
    twilio = line(put_throughs_per_hour=1)
    call = twilio.call_start().press("2")
    action = call.root.find("Gather").get("action")
    first = twilio.post(action, {"CallSid": call.sid, "From": call.caller, "To": "+441234567890", "Digits": "2"})
    again = twilio.post(action, {"CallSid": call.sid, "From": call.caller, "To": "+441234567890", "Digits": "2"})
    assert first.content == again.content and b"<Dial" in first.content
    assert redis_client.zcard(keys.PUT_THROUGH_LINE) == 1


def test_redis_refusing_writes_puts_no_one_through(line, redis_client):
    """Writes refused (NOREPLICAS: a primary short of the replicas it must write to)."""
    twilio = line()
    call = twilio.call_start().press("2")
    redis_client.config_set("min-replicas-to-write", "1")
    try:
        call.press("2")
    finally:
        redis_client.config_set("min-replicas-to-write", "0")
    assert call.root.find("Dial") is None and CANNOT_PUT_THROUGH in call.said
