"""The SMS webhook over signed HTTP with real Redis: safety pages, pictures (never
fetched, deleted by the worker), opting out as people say it, Twilio's own opt-out
handling (OptOutType), 21610 in a status callback, WhatsApp senders, and webhook
URLs with a trailing slash.

The forms copy the field shapes of real Twilio webhooks (as nyaruka/courier's
Twilio handler tests record them: SmsMessageSid, NumMedia, MediaUrlN, SmsStatus,
ApiVersion, whatsapp: senders and business-scoped ids such as whatsapp:US.1234).
"""

import logging
import xml.etree.ElementTree as ET

import pytest

from flows import gsm
from flows.model import FollowUp, FollowUpOutcome
from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE
from service.cli.stats import daily_counts
from service.followups import asking as followups
from service.followups.delivery import message_key
from service.line import Line
from service.state import keys
from service.state.pseudonyms import address_id, number_id
from service.state.store import uk_today
from tests.fake_twilio import not_found, too_many
from tests.flows.test_sms_flow import CLOSE, CLOSE_TEXT
from tests.support import LINE_NUMBER, MAIN_MENU_CHOICES, SECRET_KEY, TEXTER, Twilio, message_text, run_followups

ACCOUNT = "AC" + "0" * 32
SENDER = "+447700900100"
PUBLIC = "https://line.example.org"
MESSAGE = "MMe287d7109a5a925f182f0e07fe5b223b"
MEDIA = ["ME" + "1" * 32, "ME" + "2" * 32]


@pytest.fixture
def line_config(config, fake_twilio):
    return config.with_(
        account_sid=ACCOUNT,
        from_number=SENDER,
        public_base_url=PUBLIC,
        api_base_url=fake_twilio.url,
        followup_retry_seconds=3,
        followup_send_timeout=0.5,
    )


@pytest.fixture
def line(line_config):
    return Line.start(line_config)


@pytest.fixture
def twilio(serve, line_config):
    return Twilio(serve(line_config).url, public_url=PUBLIC)


def received(body="", sender=TEXTER, sid=None, **extra) -> dict:
    """An inbound message as Twilio posts it (the shape of courier's receiveValid)."""
    sid = sid or "SM" + "e287d7109a5a925f182f0e07fe5b223b"
    return {
        "ToCountry": "GB",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "FromCountry": "GB",
        "To": LINE_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def with_media(fake_twilio, body="", sender=TEXTER) -> dict:
    """An MMS with two pictures (courier's receiveMedia), MediaUrlN as Twilio writes them."""
    urls = {
        f"MediaUrl{n}": f"{fake_twilio.url}/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/{sid}" for n, sid in enumerate(MEDIA)
    }
    types = {f"MediaContentType{n}": "image/jpeg" for n in range(len(MEDIA))}
    return received(body, sender, sid=MESSAGE, NumMedia=str(len(MEDIA)), **urls, **types)


def reply_of(response) -> str:
    return message_text(response)


def no_reply(response) -> bool:
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    return root.tag == "Response" and root.find("Message") is None


def opted_out(redis_client, person) -> bool:
    return bool(redis_client.exists(keys.optout(person)))


SMS_PERSON = number_id(TEXTER, SECRET_KEY.encode())


@pytest.mark.parametrize(
    "body, says",
    [
        (
            "is anyone there?",
            [
                "automated",
                "no one reads",
                "0344 381 4772",
                "weekdays 10am to 4pm",
                "0808 800 5000",
                "Samaritans 116 123",
                "Childline 0800 1111",
            ],
        ),
        (
            "im 14 and someone has pics of me and wants money",
            ["nothing wrong", "Childline", "0800 1111", "Report Remove", "adult you trust"],
        ),
        (
            "my son is being blackmailed online",
            ["Don't blame your child", "not in trouble", "Don't pay", "0808 800 5000", "CEOP", "Don't delete anything"],
        ),
        ("i want to kill myself", ["999", "116 123", "0800 1111", "SHOUT to 85258", "not alone"]),
        ("can i send you the photos", ["never opens or keeps pictures", "never look at, copy, save or forward", "not in trouble"]),
    ],
)
def test_each_safety_page_over_http(twilio, body, says):
    text = reply_of(twilio.post("/sms", received(body)))
    # Each of these pages is for someone who may be the one in danger: its 999 line says so.
    assert text.splitlines()[0] == EMERGENCY_SMS_ANYONE
    for words in says:
        assert words in text, (body, words)
    assert gsm.is_gsm(text)


def test_the_young_persons_page_has_no_professional_menu(twilio):
    text = reply_of(twilio.post("/sms", received("im 15 and someone is threatening to send my nudes to my friends")))
    assert "DSL" not in text and MAIN_MENU_CHOICES not in text


@pytest.mark.parametrize("body", ["thanks", "ok", "bye", "Thank you!"])
def test_thanks_gets_one_part_never_the_menu(twilio, body):
    text = reply_of(twilio.post("/sms", received(body)))
    assert gsm.segments(text) == 1 and MAIN_MENU_CHOICES not in text


class TestMedia:
    def test_a_picture_gets_the_picture_page_and_is_never_fetched(self, twilio, fake_twilio):
        text = reply_of(twilio.post("/sms", with_media(fake_twilio)))
        assert "never opens or keeps pictures" in text and "never look at, copy, save or forward" in text
        assert [r for r in fake_twilio.requests if r.method == "GET"] == []

    def test_words_sent_with_a_picture_still_get_the_picture_page(self, twilio, fake_twilio):
        text = reply_of(twilio.post("/sms", with_media(fake_twilio, body="what should I do")))
        assert "never opens or keeps pictures" in text

    def test_the_worker_deletes_every_item_once(self, twilio, line, fake_twilio):
        twilio.post("/sms", with_media(fake_twilio))
        assert fake_twilio.deleted == []  # nothing is asked of Twilio inside the webhook
        run_followups(line)
        assert [r.path for r in fake_twilio.deleted] == [
            f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/{sid}.json" for sid in MEDIA
        ]
        assert {r.account for r in fake_twilio.deleted} == {ACCOUNT}
        assert [r for r in fake_twilio.requests if r.method == "GET"] == []

    def test_a_throttled_delete_is_tried_again(self, twilio, line, fake_twilio):
        fake_twilio.script(too_many())
        twilio.post("/sms", with_media(fake_twilio))
        run_followups(line)
        deleted = [r.path.rsplit("/", 1)[1] for r in fake_twilio.deleted]
        assert len(deleted) == 3 and set(deleted) == {f"{sid}.json" for sid in MEDIA}

    def test_an_item_already_gone_is_not_asked_for_again(self, twilio, line, fake_twilio):
        fake_twilio.script(not_found("/Media"))
        twilio.post("/sms", with_media(fake_twilio))
        run_followups(line)
        assert len(fake_twilio.deleted) == 2

    def test_logs_give_the_count_only(self, twilio, line, fake_twilio, captured_logs):
        twilio.post("/sms", with_media(fake_twilio))
        run_followups(line)
        logged = "\n".join(r.getMessage() for r in captured_logs.records if r.name.startswith("signpost"))
        assert "media received: 2 item(s)" in logged and logged.count("media: 1 item deleted") == 2
        for secret in [*MEDIA, MESSAGE, "MediaUrl", fake_twilio.url]:
            assert secret not in logged

    def test_a_whatsapp_picture_too(self, twilio, line, fake_twilio):
        text = reply_of(twilio.post("/sms", with_media(fake_twilio, sender=f"whatsapp:{TEXTER}")))
        assert "never opens or keeps pictures" in text
        run_followups(line)
        assert len(fake_twilio.deleted) == 2


class TestOptingOut:
    @pytest.mark.parametrize(
        "body", ["stop texting me", "unsubscribe me", "remove me from this list", "no more messages", "Stop sending me these"]
    )
    def test_as_people_say_it(self, twilio, redis_client, body):
        text = reply_of(twilio.post("/sms", received(body)))
        assert opted_out(redis_client, SMS_PERSON)
        assert gsm.segments(text) == 1 and "START" in text

    def test_remove_the_photos_is_about_the_images(self, twilio, redis_client):
        text = reply_of(twilio.post("/sms", received("remove the photos")))
        assert not opted_out(redis_client, SMS_PERSON)
        assert "Report Remove" in text

    def test_twilio_answered_stop_so_the_line_records_it_and_says_nothing(self, twilio, redis_client):
        response = twilio.post("/sms", received("STOP", OptOutType="STOP"))
        assert no_reply(response)
        assert opted_out(redis_client, SMS_PERSON)

    def test_twilio_answered_start_so_the_line_records_it_and_says_nothing(self, twilio, redis_client):
        redis_client.set(keys.optout(SMS_PERSON), "1")
        assert no_reply(twilio.post("/sms", received("START", OptOutType="START")))
        assert not opted_out(redis_client, SMS_PERSON)

    def test_twilio_answered_help_so_the_line_says_nothing(self, twilio, redis_client):
        assert no_reply(twilio.post("/sms", received("HELP", OptOutType="HELP")))
        assert not opted_out(redis_client, SMS_PERSON)

    def test_21610_in_a_status_callback_opts_out(self, twilio, line, fake_twilio, redis_client):
        assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == FollowUpOutcome.QUEUED
        run_followups(line)
        [sent] = fake_twilio.messages
        sid = sent.answer["sid"]
        assert not opted_out(redis_client, SMS_PERSON)
        # courier's statusStop: ErrorCode=21610, MessageStatus=failed
        response = twilio.post(
            "/sms/status", {"ErrorCode": "21610", "MessageSid": sid, "MessageStatus": "failed", "To": TEXTER, "AccountSid": ACCOUNT}
        )
        assert response.status_code == 200
        assert opted_out(redis_client, SMS_PERSON)
        assert redis_client.hget(message_key(sid), "error_code") == b"21610"

    def test_21610_while_redis_refuses_writes_is_journalled_not_lost(self, twilio, line, fake_twilio, redis_client):
        assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == FollowUpOutcome.QUEUED
        run_followups(line)
        [sent] = fake_twilio.messages
        redis_client.config_set("maxmemory", "1")
        try:
            response = twilio.post(
                "/sms/status",
                {"ErrorCode": "21610", "MessageSid": sent.answer["sid"], "MessageStatus": "failed", "To": TEXTER, "AccountSid": ACCOUNT},
            )
        finally:
            redis_client.config_set("maxmemory", "0")
        assert response.status_code == 200
        assert not opted_out(redis_client, SMS_PERSON) and line.journal.pending()
        assert line.journal.replay(line.store) == 1  # the web process's journal, on the same disk
        assert opted_out(redis_client, SMS_PERSON)

    def test_21610_for_a_message_the_line_never_sent_changes_nothing(self, twilio, redis_client):
        response = twilio.post(
            "/sms/status", {"ErrorCode": "21610", "MessageSid": "SM" + "f" * 32, "MessageStatus": "failed", "To": TEXTER}
        )
        assert response.status_code == 200
        assert not any(redis_client.scan_iter(keys.optout("*")))


class TestWhatsApp:
    WA = f"whatsapp:{TEXTER}"
    WA_PERSON = address_id("whatsapp", TEXTER, SECRET_KEY.encode())

    def test_same_pages_and_999_first(self, twilio):
        menu = reply_of(twilio.post("/sms", received("hi", self.WA)))
        assert menu.splitlines()[0] == EMERGENCY_SMS and MAIN_MENU_CHOICES in menu
        assert "Avoid blame" in reply_of(twilio.post("/sms", received("1", self.WA, sid="SM" + "1" * 32)))

    def test_its_own_session_opt_out_and_count(self, twilio, redis_client):
        twilio.post("/sms", received("signs", self.WA))
        twilio.post("/sms", received("STOP", self.WA, sid="SM" + "2" * 32))
        assert opted_out(redis_client, self.WA_PERSON) and not opted_out(redis_client, SMS_PERSON)
        assert redis_client.exists(keys.session("whatsapp", "en-GB-coventry", self.WA_PERSON))
        twilio.post("/sms", received("signs", TEXTER, sid="SM" + "3" * 32))
        assert redis_client.exists(keys.session("sms", "en-GB-coventry", SMS_PERSON))
        assert redis_client.exists(keys.replies("whatsapp", self.WA_PERSON))

    def test_the_channel_is_named_in_stats(self, twilio, redis_client):
        twilio.post("/sms", received("signs", self.WA))
        twilio.post("/sms", received("signs", TEXTER, sid="SM" + "4" * 32))
        counts = {(c.channel, c.item): c.count for c in daily_counts(redis_client, 1, uk_today())}
        assert counts[("whatsapp", "signs")] == 1 and counts[("sms", "signs")] == 1

    @pytest.mark.parametrize("sender", ["whatsapp:US.1234", "whatsapp:foo_bar", "whatsapp:07400123456"])
    def test_a_sender_not_of_the_form_whatsapp_e164_is_answered_never_parsed(self, twilio, redis_client, sender):
        text = reply_of(twilio.post("/sms", received("hi", sender)))
        assert text.splitlines()[0] == EMERGENCY_SMS
        twilio.post("/sms", received("STOP", sender, sid="SM" + "5" * 32))
        # Opted out under the sender as given, not under any phone number it might be read as.
        assert opted_out(redis_client, address_id("whatsapp", sender.casefold(), SECRET_KEY.encode()))
        assert not opted_out(redis_client, SMS_PERSON)
        assert not opted_out(redis_client, address_id("whatsapp", TEXTER, SECRET_KEY.encode()))


@pytest.mark.parametrize("path", ["/sms/", "/sms"])
def test_a_trailing_slash_is_answered_the_same(twilio, path):
    text = reply_of(twilio.post(path, received("helpline")))
    assert "0344 381 4772" in text


def test_a_call_to_voice_with_a_trailing_slash_is_answered_the_same(twilio):
    response = twilio.post(
        "/voice/",
        {
            "CallSid": "CA" + "1" * 32,
            "AccountSid": ACCOUNT,
            "From": TEXTER,
            "To": LINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": "ringing",
        },
    )
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.find("Gather") is not None


def test_unsigned_with_a_trailing_slash_is_still_refused(live):
    import requests

    assert requests.post(live.url + "/sms/", data={"Body": "hi"}, timeout=5).status_code == 403


def test_no_log_line_holds_the_number(twilio, fake_twilio, captured_logs):
    captured_logs.set_level(logging.DEBUG)
    twilio.post("/sms", received("hi", f"whatsapp:{TEXTER}"))
    twilio.post("/sms", with_media(fake_twilio))
    assert TEXTER[3:] not in "\n".join(r.getMessage() for r in captured_logs.records if r.name.startswith("signpost"))


def test_without_a_twilio_account_the_worker_says_the_media_was_not_deleted(serve, config, fake_twilio, captured_logs, capsys):
    local = Twilio(serve(config).url)
    local.post("/sms", with_media(fake_twilio))
    run_followups(Line.start(config))
    logged = [r.getMessage() for r in captured_logs.records if r.name == "signpost.media"]
    assert logged == ["media: 1 item not deleted (no Twilio account configured)"] * 2
    assert "would be deleted now" in capsys.readouterr().out
    assert fake_twilio.requests == []


def test_a_text_the_line_is_not_sure_of_gets_a_short_question_whose_numbers_work(twilio):
    question = reply_of(twilio.post("/sms", received("a problem with pictures")))
    assert "Not sure what you need" in question and "1 Can't cope, or someone may come to harm" in question
    assert "116 123" in question and "85258" in question and "0800 1111" in question
    assert gsm.segments(question) <= 3
    assert "116 123" in reply_of(twilio.post("/sms", received("1", sid="SM" + "6" * 32)))


def test_a_second_text_the_line_cannot_place_gets_the_at_risk_page_only_straight_after_the_question(twilio):
    asked = reply_of(twilio.post("/sms", received("goodnight everyone x", sid="SM" + "1" * 32)))
    assert "Not sure what you need" in asked
    again = reply_of(twilio.post("/sms", received("no", sid="SM" + "2" * 32)))
    assert "You are not alone" in again and "Not sure" not in again
    reply_of(twilio.post("/sms", received("menu", sid="SM" + "9" * 32)))
    # A page picked from the question in between: the question again, not the at-risk page.
    reply_of(twilio.post("/sms", received("something about photos", sid="SM" + "3" * 32)))
    assert "Avoid blame" in reply_of(twilio.post("/sms", received("2", sid="SM" + "4" * 32)))
    later = reply_of(twilio.post("/sms", received("the other thing", sid="SM" + "5" * 32)))
    assert "Not sure what you need" in later


def test_straight_after_the_at_risk_page_a_reply_the_line_cannot_place_keeps_them_on_it(twilio):
    assert "You are not alone" in reply_of(twilio.post("/sms", received("kms", sid="SM" + "a" * 32)))
    for n, follow_up in enumerate(("help", "idk", "yes")):
        again = reply_of(twilio.post("/sms", received(follow_up, sid="SM" + f"b{n}" * 16)))
        assert "You are not alone" in again and "Not sure" not in again, follow_up


def test_a_text_close_between_two_pages_is_asked_which_then_each_word_is_its_page(serve, line_config):
    # The server the webhooks are posted to is the one whose understanding is swapped.
    server = serve(line_config)
    twilio = Twilio(server.url, public_url=PUBLIC)
    pack = server.app.extensions["signpost"].pack
    own = pack.understanding
    pack.understanding = CLOSE  # a few examples of three pages: the text is close between two
    try:
        text = reply_of(twilio.post("/sms", received(CLOSE_TEXT, sid="SM" + "a" * 32)))
    finally:
        pack.understanding = own
    lines = text.splitlines()
    assert lines[0] == EMERGENCY_SMS and lines[1] == pack.pair_question and gsm.segments(text) == 1
    word, title = lines[2].split(" for ", 1)
    # The word offered is the page, straight after the question, over the same webhook.
    page = reply_of(twilio.post("/sms", received(word, sid="SM" + "b" * 32)))
    topic = next(t for t in pack.topics.values() if t.title == title)
    # (its first lines: a page may add the helplines open at the hour it is sent)
    assert page.splitlines()[:3] == pack.sms_pages[topic.id].splitlines()[:3]
