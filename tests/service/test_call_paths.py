"""Where callers hang up, and which pages they ask to have texted, counted from real
signed webhooks and Twilio's call status callback (``POST /voice/status``)."""

import datetime as dt

import requests

from flows.voice import SILENCES_BEFORE_GOODBYE
from service.state import keys
from service.state.store import uk_today
from service.web.voice import CLOCK
from tests.console_support import followup_config
from tests.support import Twilio, voice_twiml

PACK = "en-GB-coventry"
TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)


def ended(redis_client) -> dict[str, int]:
    raw = redis_client.hgetall(keys.events(PACK, uk_today()))
    return {k.decode(): int(v) for k, v in raw.items() if k.split(b":")[1] in (b"ended", b"text", b"through", b"through_ended")}


def test_a_caller_who_hangs_up_is_counted_at_the_page_they_were_hearing_once(twilio, redis_client):
    call = twilio.call_start().press("2")  # helplines
    assert call.hang_up().status_code == 200
    assert call.hang_up().status_code == 200  # Twilio retried the callback
    assert ended(redis_client) == {"voice:ended:helplines": 1}
    assert not redis_client.keys(keys.call_place("*"))  # nothing kept once the call is over


def test_hanging_up_at_a_menu_counts_the_menu_and_the_latest_place_wins(live, twilio, redis_client):
    main = live.app.extensions["signpost"].pack.voice_main
    twilio.call_start().hang_up()
    call = twilio.call_start().press("1").press("*")  # the steps, then back to the main menu
    call.hang_up("canceled")
    assert ended(redis_client) == {f"voice:ended:{main}": 2}


def test_a_call_the_line_ends_is_not_a_caller_hanging_up(twilio, redis_client):
    call = twilio.call_start()
    for _ in range(SILENCES_BEFORE_GOODBYE):
        call.silence()
    assert call.root.find("Hangup") is not None  # the line said goodbye and hung up
    call.hang_up()
    assert ended(redis_client) == {}


def test_the_page_a_caller_asks_to_have_texted_is_counted(serve, config, fake_twilio, redis_client):
    twilio = Twilio(serve(followup_config(config, fake_twilio)).url)
    call = twilio.call_start().press("1").press("1").press("1")  # the steps; text them; yes, to my mobile
    call.hang_up()
    counted = ended(redis_client)
    assert counted["voice:text:steps"] == 1
    assert sum(v for k, v in counted.items() if k.startswith("voice:ended:")) == 1


def test_a_page_is_heard_once_when_the_caller_asks_to_have_it_texted(serve, config, fake_twilio, redis_client):
    # Back on the page after the text is asked for, the caller has not reached it again: the
    # call-path view's "heard" would count every caller who asked for a text twice.
    twilio = Twilio(serve(followup_config(config, fake_twilio)).url)
    call = twilio.call_start().press("1").press("1").press("1")  # the steps; text them; yes, to my mobile
    call.press("9")  # then hears the page again, on purpose: counted
    heard = {k.decode(): int(v) for k, v in redis_client.hgetall(keys.stats(PACK, uk_today())).items()}
    assert heard["voice:steps"] == 2


def test_a_caller_put_through_is_counted_at_the_page_once_even_if_twilio_retries(live, twilio, redis_client):
    live.app.config[CLOCK] = lambda: TUESDAY_11AM  # the helpline put through to is open
    call = twilio.call_start().press("2").press("2")  # helplines; put through
    assert call.root.find("Dial") is not None
    retried = twilio.session.send(call.response.request)  # Twilio delivers the same step again
    assert voice_twiml(retried).find("Dial") is not None
    assert ended(redis_client) == {"voice:through:helplines": 1}


def test_whether_the_helpline_answered_a_put_through_is_counted_from_twilios_own_word(live, twilio, redis_client):
    live.app.config[CLOCK] = lambda: TUESDAY_11AM
    for status in ("completed", "no-answer", "busy"):
        call = twilio.call_start().press("2").press("2")  # helplines; put through
        call.dial_ends(status).hang_up()  # back at the menu, then gone: not lost there
    # Any other word for it is not counted: the counts' names are Twilio's few, not a request's.
    twilio.call_start().press("2").press("2").dial_ends("x" * 40)
    counted = ended(redis_client)
    assert counted["voice:through:helplines"] == 4
    outcomes = {k: v for k, v in counted.items() if k.startswith("voice:through_ended:")}
    assert outcomes == {"voice:through_ended:completed": 1, "voice:through_ended:no-answer": 1, "voice:through_ended:busy": 1}
    assert not [k for k in counted if k.startswith("voice:ended:")]  # no put-through counted as a hang-up


def test_a_status_callback_that_is_not_twilios_counts_nothing(live, twilio, redis_client):
    call = twilio.call_start().press("2")
    forged = requests.post(live.url + "/voice/status", data={"CallSid": call.sid, "CallStatus": "completed"}, timeout=5)
    assert forged.status_code == 403
    # A call still going on, or one the line never heard of, counts nothing either.
    assert call.hang_up("in-progress").status_code == 200
    unknown = twilio.post("/voice/status", {"CallSid": "CA" + "f" * 32, "CallStatus": "completed", "To": "+447700900000"})
    assert unknown.status_code == 200
    assert ended(redis_client) == {}


def test_a_call_status_answers_200_while_redis_is_away(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(redis_url="redis://127.0.0.1:1/0")).url)
    call = twilio.call_start()  # answered from the URL's state, Redis or not
    assert call.hang_up().status_code == 200
