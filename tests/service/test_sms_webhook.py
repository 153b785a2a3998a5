"""POST /sms over real HTTP, signed like Twilio, against a real Redis; TwiML parsed as XML."""

import json
import threading

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import gsm
from flows.pack import load_pack
from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE
from messages import DEFAULT_PACK_DIR
from service.state.pseudonyms import number_id
from service.web.sms import DECIDED
from service.state import keys
from service.state.keys import PREFIX
from tests.support import MAIN_MENU_CHOICES, SECRET_KEY, TEXTER, message_text, starts_with_999

SHIPPED = load_pack(DEFAULT_PACK_DIR)


def first_line(response) -> str:
    return message_text(response).splitlines()[0]


def test_first_message_gets_999_then_the_menu(twilio):
    text = message_text(twilio.sms("hello"))
    lines = text.splitlines()
    assert lines[0] == EMERGENCY_SMS
    assert "1 What to do now" in lines


def test_numbers_and_keywords_walk_the_guidance(twilio):
    assert "Warning signs" in message_text(twilio.sms("2"))
    assert "Avoid blame" in message_text(twilio.sms("1"))  # numbers still pick from the menu
    assert "0344 381 4772" in message_text(twilio.sms("helpline"))
    assert MAIN_MENU_CHOICES in message_text(twilio.sms("0"))
    assert "024 7678 8555" in message_text(twilio.sms("CONTACTS!"))


def test_session_lives_in_redis_keyed_by_hash_with_30_minute_ttl(twilio, redis_client):
    twilio.sms("signs")
    key = f"{PREFIX}session:sms:en-GB-coventry:{number_id(TEXTER, SECRET_KEY.encode())}"
    assert json.loads(redis_client.get(key))["node"] == "signs"
    assert 1700 < redis_client.ttl(key) <= 1800


def test_an_expired_session_still_gets_a_sensible_answer(twilio, redis_client):
    twilio.sms("signs")
    for key in redis_client.scan_iter(f"{PREFIX}session:*"):
        redis_client.delete(key)
    text = message_text(twilio.sms("3"))
    assert text.splitlines()[0] == EMERGENCY_SMS and "Professionals Online Safety Helpline" in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=1600), sender=st.integers(0, 999_999))
def test_any_body_gets_200_and_999_first(twilio, body, sender):
    response = twilio.sms(body, sender=f"+447400{sender:06d}")
    text = message_text(response)
    assert starts_with_999(text)
    # Within the longest budget of any page (the at-risk page's is 4 parts; a second text
    # the line cannot place, straight after its question, gets that page).
    assert gsm.is_gsm(text) and gsm.segments(text) <= max(SHIPPED.budget(node) for node in SHIPPED.sms_pages)


def test_1600_characters_of_junk_get_the_short_question(twilio):
    text = message_text(twilio.sms("\x00\ufffd<>&;" * 266 + "zzzz"))
    assert "Not sure what you need. No one reads this line." in text and "1 Can't cope" in text


def test_missing_fields_still_get_the_menu(twilio):
    # Body and From only: Twilio always sends both, and a form without either is refused
    # (test_reshaped_requests).
    assert first_line(twilio.post("/sms", {"Body": "", "From": TEXTER})) == EMERGENCY_SMS


class TestDedupe:
    def test_same_message_sid_gets_the_identical_reply_and_acts_once(self, twilio, redis_client):
        twilio.sms("hi", sid="SM" + "1" * 32)
        first = message_text(twilio.sms("signs", sid="SM" + "2" * 32))
        # The texter moves on, then Twilio retries the earlier delivery.
        message_text(twilio.sms("steps", sid="SM" + "3" * 32))
        retried = message_text(twilio.sms("signs", sid="SM" + "2" * 32))
        assert retried == first
        session = next(redis_client.scan_iter(f"{PREFIX}session:*"))
        assert json.loads(redis_client.get(session))["node"] == "steps"
        day = next(redis_client.scan_iter(f"{PREFIX}stats:*"))
        assert redis_client.hget(day, "sms:signs") == b"1"

    def test_idempotency_token_header_dedupes_when_there_is_no_message_sid(self, serve, config, redis_client):
        # With a token every text must carry its MessageSid; without one (local trials) the header serves.
        local = serve(config.with_(auth_token="", secret_key="")).url + "/sms"
        params = {"From": TEXTER, "Body": "signs"}
        headers = {"I-Twilio-Idempotency-Token": "token-1"}
        first = message_text(requests.post(local, data=params, headers=headers, timeout=5))
        again = message_text(requests.post(local, data={**params, "Body": "steps"}, headers=headers, timeout=5))
        assert again == first
        day = next(redis_client.scan_iter(f"{PREFIX}stats:*"))
        assert redis_client.hgetall(day) == {b"sms:signs": b"1"}

    def test_concurrent_duplicates_claim_once(self, twilio, redis_client):
        replies, barrier = [], threading.Barrier(8)

        def send():
            barrier.wait()
            replies.append(message_text(twilio.sms("how", sid="SM" + "4" * 32)))

        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(replies) == 8 and len(set(replies)) == 1
        day = next(redis_client.scan_iter(f"{PREFIX}stats:*"))
        assert redis_client.hget(day, "sms:how") == b"1"


class TestOptOut:
    def optout_key(self):
        return keys.optout(number_id(TEXTER, SECRET_KEY.encode()))

    @pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "OptOut", "revoke"])
    def test_stop_family_records_a_hashed_opt_out(self, twilio, redis_client, word):
        text = message_text(twilio.sms(word))
        lines = text.splitlines()
        assert lines[0] == EMERGENCY_SMS_ANYONE and len(lines) == 2 and "START" in lines[1]
        assert redis_client.exists(self.optout_key())

    @pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
    def test_start_family_opts_back_in_and_gets_the_menu(self, twilio, redis_client, word):
        twilio.sms("STOP")
        text = message_text(twilio.sms(word))
        assert MAIN_MENU_CHOICES in text
        assert not redis_client.exists(self.optout_key())


def test_fallback_url_answers_the_menu_without_redis(serve, config, twilio):
    down = serve(config.with_(redis_url="redis://127.0.0.1:1/0"))
    from tests.support import Twilio

    text = message_text(Twilio(down.url).post("/sms/fallback", {"From": TEXTER, "Body": "x"}))
    assert text.splitlines()[0] == EMERGENCY_SMS and MAIN_MENU_CHOICES in text


def test_redis_down_still_answers_200_with_999_and_keywords_work(serve, config):
    from tests.support import Twilio

    down = Twilio(serve(config.with_(redis_url="redis://127.0.0.1:1/0")).url)
    assert MAIN_MENU_CHOICES in message_text(down.sms("hello"))
    assert "Avoid blame" in message_text(down.sms("steps"))


def test_healthz_reports_redis(live, serve, config):
    import requests

    assert requests.get(live.url + "/healthz", timeout=5).json()["redis"] == "ok"
    down = serve(config.with_(redis_url="redis://127.0.0.1:1/0"))
    body = requests.get(down.url + "/healthz", timeout=5)
    assert body.status_code == 200 and body.json() == {"status": "degraded", "redis": "unreachable", "pack": "en-GB-coventry"}


def test_a_worker_remembers_common_words_but_no_number_or_sentence(live, twilio):
    common = ["hi", "1", "Helpline", "steps"]
    personal = ["07400123456", "+447400123456", "call me 07400 123456", "my son is 14", "x" * 21, "07.41.25.55.30.3", "07-41-25-55-30-4"]
    for n, body in enumerate(common + personal):
        assert starts_with_999(message_text(twilio.sms(body, sid=f"SM{n:032x}")))
    caches = live.app.extensions[DECIDED].values()
    assert sum(cache.cache_info().currsize for cache in caches) == len(common)


def test_a_bug_is_answered_with_the_menu_not_a_5xx(twilio, monkeypatch, captured_logs):
    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr("service.web.sms.decided", broken)
    response = twilio.sms("hello")
    assert response.status_code == 200
    assert first_line(response) == EMERGENCY_SMS and MAIN_MENU_CHOICES in message_text(response)
    assert any(r.levelname == "ERROR" and "sms webhook failed" in r.getMessage() for r in captured_logs.records)
