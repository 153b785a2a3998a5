"""The whole line at once: calls and texts over signed HTTP, the RQ worker, the real
twilio client against a fake Twilio API, a real Redis - then a privacy audit."""

import re

import pytest

from flows.render import EMERGENCY_SMS
from service.state.pseudonyms import number_id
from service.state import keys
from tests.support import LINE_NUMBER, SECRET_KEY, TEXTER, Twilio, every_redis_byte, message_text, run_followups

PUBLIC = "https://line.example.org"
ACCOUNT = "AC" + "0" * 32
SENDER = "+447700900001"
CALLER = "+447400222333"  # calls from a UK mobile
KEYER = "+447400444555"  # keyed in by a caller whose ID is withheld
KEYED = "07400444555"


@pytest.fixture
def line_server(serve, config, fake_twilio):
    server = serve(
        config.with_(
            account_sid=ACCOUNT, from_number=SENDER, public_base_url=PUBLIC, api_base_url=fake_twilio.url, followup_send_timeout=2.0
        )
    )
    return server


@pytest.fixture
def twilio(line_server):
    return Twilio(line_server.url, public_url=PUBLIC)


def line_of(server):
    return server.app.extensions["signpost"]


def ask_for_links_by_phone(twilio, caller):
    call = twilio.call_start(from_=caller).say("text me the links")
    assert "ending 3 3 3" in call.text
    return call.press("1")


def test_a_caller_who_asks_gets_exactly_one_text_with_the_links(twilio, line_server, fake_twilio):
    call = ask_for_links_by_phone(twilio, CALLER)
    assert "If that number can get texts from this line, the text will be there in a minute or two." in call.text
    assert fake_twilio.messages == []  # the webhook only queued it

    run_followups(line_of(line_server))
    [sent] = fake_twilio.messages
    assert sent.form["To"] == CALLER and sent.form["From"] == SENDER
    assert sent.form["StatusCallback"] == PUBLIC + "/sms/status"
    body = sent.form["Body"]
    assert body.splitlines()[0] == EMERGENCY_SMS
    assert "https://takeitdown.ncmec.org" in body and "0344 381 4772" in body
    assert "/report-remove/" in body

    # Twilio retries the confirming webhook; the worker runs again: nothing more is sent.
    action = call.response.request.url.replace(line_server.url, "")
    twilio.post(action, {"CallSid": call.sid, "From": CALLER, "To": LINE_NUMBER, "Digits": "1"})
    run_followups(line_of(line_server))
    assert len(fake_twilio.messages) == 1


def test_a_number_that_texted_stop_is_not_texted_after_a_call(twilio, line_server, fake_twilio):
    message_text(twilio.sms("STOP", sender=CALLER))
    call = ask_for_links_by_phone(twilio, CALLER)
    # Told as any caller is (a different answer would tell them the number texted STOP)...
    assert "the text will be there" in call.text
    # ...but nothing is sent.
    run_followups(line_of(line_server))
    assert fake_twilio.messages == []


def forms_of(e164: str) -> list[str]:
    national = "0" + e164[3:]
    spaced = f"{national[:5]} {national[5:]}"
    spoken = " ".join(national[:5]) + ", " + " ".join(national[5:])
    return [e164, e164[1:], national, spaced, spoken, e164[-9:]]


def test_privacy_audit_after_sms_voice_and_follow_ups(twilio, line_server, fake_twilio, redis_client, captured_logs, capsys):
    texter, other = TEXTER, "+447400765432"
    for body in ["hello", "2", "helpline", "STOP", "START", "links"]:
        message_text(twilio.sms(body, sender=texter))
    message_text(twilio.sms("what to do", sender=other))

    ask_for_links_by_phone(twilio, CALLER)  # own number
    withheld = twilio.call_start(from_="anonymous").say("text me the links")
    withheld.press(KEYED).press("1")  # keyed, read back, confirmed
    assert "the text will be there" in withheld.text
    twilio.call_start(from_=texter).press("2").silence().silence().silence()

    run_followups(line_of(line_server))
    assert sorted(m.form["To"] for m in fake_twilio.messages) == sorted([CALLER, KEYER])
    for sent in fake_twilio.messages:  # Twilio reports delivery
        status = {
            "MessageSid": sent.answer["sid"],
            "MessageStatus": "delivered",
            "To": sent.form["To"],
            "From": SENDER,
            "AccountSid": ACCOUNT,
        }
        assert twilio.post("/sms/status", status).status_code == 200

    stored = every_redis_byte(redis_client)
    logs = "\n".join(
        [r.getMessage() + " " + " ".join(map(str, r.__dict__.values())) for r in captured_logs.records] + [capsys.readouterr().out]
    )
    assert b"signpost:" in stored and "signpost" in logs
    for number in [texter, other, CALLER, KEYER, LINE_NUMBER]:
        for form in forms_of(number):
            assert form.encode() not in stored, f"{form} in Redis"
            assert form not in logs, f"{form} in the logs"
    # Pseudonyms are there, so a conversation can still be followed.
    assert number_id(texter, SECRET_KEY.encode())[:10] in logs
    assert redis_client.exists(keys.optout(number_id(texter, SECRET_KEY.encode()))) == 0
    assert not re.search(rb"\+44\d{10}", stored)
