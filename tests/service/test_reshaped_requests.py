"""Requests that could not be Twilio's get 403, even under a valid signature.

Twilio signs the URL and every field's name and value joined with no separator, so a
captured request can be reshaped under the same signature: a value swallows the
field after it, or a field disappears into the one before it. Each test checks first
that the reshaped form really does carry the captured signature, then that the line
refuses it.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from service.state.pseudonyms import number_id
from service.web import sms as sms_web
from tests.support import ACCOUNT_SID, LINE_NUMBER, SECRET_KEY, TEXTER, Twilio, message_text, voice_twiml

SID = "SM" + "5" * 32


def captured_text(body: str, sid: str = SID) -> MultiDict:
    """A text as Twilio sends it, with the fields that sort around the ones that matter."""
    return MultiDict(
        [
            ("AccountSid", ACCOUNT_SID),
            ("Body", body),
            ("From", TEXTER),
            ("FromZip", ""),
            ("MessageSid", sid),
            ("NumMedia", "0"),
            ("SmsSid", sid),
            ("To", LINE_NUMBER),
        ]
    )


def reshaped(form: MultiDict, **changes) -> MultiDict:
    """``form`` with fields replaced (``None``: removed)."""
    out = MultiDict(form)
    for name, value in changes.items():
        out.pop(name, None)
        if value is not None:
            out[name] = value
    return out


def same_signature(twilio: Twilio, path: str, a: MultiDict, b: MultiDict) -> str:
    signature = twilio.sign(path, a)
    assert twilio.sign(path, b) == signature, "the reshaped form must carry the captured signature"
    return signature


def test_a_message_sid_that_swallowed_the_next_field_gets_403(twilio):
    genuine = captured_text("START")
    swallowing = reshaped(genuine, MessageSid=SID + "NumMedia0", NumMedia=None)
    signature = same_signature(twilio, "/sms", genuine, swallowing)
    assert twilio.post("/sms", swallowing, signature=signature).status_code == 403
    assert twilio.post("/sms", genuine, signature=signature).status_code == 200


def test_a_captured_start_reshaped_cannot_undo_a_later_stop(twilio, redis_client):
    """The delivery's SID swallowed into the field before it: no longer known as a retry."""
    start = captured_text("START", "SM" + "1" * 32)
    signature = twilio.sign("/sms", start)
    assert twilio.post("/sms", start, signature=signature).status_code == 200
    assert message_text(twilio.sms("STOP"))
    person = number_id(TEXTER, SECRET_KEY.encode())
    assert redis_client.exists(f"signpost:optout:{person}")

    no_sid = reshaped(start, FromZip="MessageSid" + start["MessageSid"], MessageSid=None)
    assert twilio.sign("/sms", no_sid) == signature
    assert twilio.post("/sms", no_sid, signature=signature).status_code == 403
    assert redis_client.exists(f"signpost:optout:{person}"), "the later STOP still stands"


def test_a_call_sid_that_swallowed_the_next_field_gets_403(twilio):
    call = twilio.call_start()
    action = call.root.find("Gather").get("action")
    genuine = MultiDict(
        [
            ("AccountSid", ACCOUNT_SID),
            ("CallSid", call.sid),
            ("CallStatus", "in-progress"),
            ("Digits", "1"),
            ("From", TEXTER),
            ("To", LINE_NUMBER),
        ]
    )
    swallowing = reshaped(genuine, CallSid=call.sid + "CallStatusin-progress", CallStatus=None)
    signature = same_signature(twilio, action, genuine, swallowing)
    assert twilio.post(action, swallowing, signature=signature).status_code == 403
    voice_twiml(twilio.post(action, genuine, signature=signature))


def test_a_field_name_made_of_a_neighbours_value_gets_403(twilio):
    genuine = MultiDict([("AccountSid", ACCOUNT_SID), ("Body", "hi"), ("From", TEXTER), ("MessageSid", SID), ("To", LINE_NUMBER)])
    # Body and From gone: the text would come from no one, past that number's reply limit.
    swallowed = reshaped(genuine, Body=None, From=None, **{"BodyhiFrom" + TEXTER: ""})
    signature = same_signature(twilio, "/sms", genuine, swallowed)
    assert twilio.post("/sms", swallowed, signature=signature).status_code == 403


def test_a_body_that_swallowed_the_sender_gets_403(twilio):
    """``Body=STOP`` then ``From=+44...`` sign as ``Body=STOPFrom+44...``: a text from no one."""
    genuine = captured_text("STOP")
    swallowed = reshaped(genuine, From=None, Body="STOPFrom" + genuine["From"])
    signature = same_signature(twilio, "/sms", genuine, swallowed)
    assert twilio.post("/sms", swallowed, signature=signature).status_code == 403


def test_a_stop_whose_value_became_its_name_gets_403_not_the_menu(twilio, redis_client):
    """``Body=STOP`` and ``BodySTOP=`` sign the same: unrefused, the STOP would be
    answered with the menu and the texter never opted out."""
    genuine = captured_text("STOP")
    renamed = reshaped(genuine, Body=None, BodySTOP="")
    signature = same_signature(twilio, "/sms", genuine, renamed)
    assert twilio.post("/sms", renamed, signature=signature).status_code == 403
    assert "START" in message_text(twilio.post("/sms", genuine, signature=signature))


def test_a_key_whose_value_became_its_name_gets_403_not_silence(twilio):
    call = twilio.call_start()
    action = call.root.find("Gather").get("action")
    genuine = MultiDict([("AccountSid", ACCOUNT_SID), ("CallSid", call.sid), ("Digits", "1"), ("From", TEXTER), ("To", LINE_NUMBER)])
    renamed = reshaped(genuine, Digits=None, Digits1="")
    signature = same_signature(twilio, action, genuine, renamed)
    assert twilio.post(action, renamed, signature=signature).status_code == 403
    voice_twiml(twilio.post(action, genuine, signature=signature))


@pytest.mark.parametrize("name", ["SpeechResulthelp", "FromX", "To447400", "OptOutTypeSTOP", "Bodyhi"])
def test_any_field_named_like_one_the_line_reads_and_not_twilios_gets_403(twilio, name):
    assert twilio.post("/sms", {"From": TEXTER, "Body": "hi", name: ""}).status_code == 403


@pytest.mark.parametrize("name", ["FromCity", "FromZip", "ToCountry", "ToState"])
def test_twilios_own_fields_beginning_so_are_answered(twilio, name):
    assert message_text(twilio.post("/sms", {"From": TEXTER, "Body": "hi", name: "x"}))


def test_a_text_without_a_body_gets_403(twilio):
    assert twilio.post("/sms", {"From": TEXTER, "To": LINE_NUMBER}).status_code == 403
    assert message_text(twilio.post("/sms", {"From": TEXTER, "To": LINE_NUMBER, "Body": ""}))


@pytest.mark.parametrize("path", ["/sms", "/sms/", "/voice", "/voice/", "/sms/status"])
def test_a_sid_not_of_twilios_form_gets_403(twilio, path):
    field = "CallSid" if path.startswith("/voice") else "MessageSid"
    for sid in ["SM1", "CA-any", field[:2].upper() + "g" * 32, "SM" + "a" * 33, ""]:
        assert twilio.post(path, {"From": TEXTER, field: sid}).status_code == 403, sid
    assert twilio.post(path, {"From": TEXTER, "SmsSid": "SMnot-a-sid"}).status_code == 403


def test_a_request_signed_for_another_account_gets_403(serve, config):
    twilio = Twilio(serve(config.with_(account_sid=ACCOUNT_SID)).url)
    other = "AC" + "9" * 32
    assert twilio.post("/sms", {"From": TEXTER, "Body": "hi", "AccountSid": other}).status_code == 403
    assert twilio.post("/voice", {"From": TEXTER, "AccountSid": other}).status_code == 403
    assert twilio.post("/sms", {"From": TEXTER, "Body": "hi"}).status_code == 200  # this account's


def test_a_form_of_too_many_fields_is_refused_before_its_signature(twilio):
    many = [("From", TEXTER), ("Body", "hi")] + [(f"X{n}", "") for n in range(500)]
    assert twilio.post("/sms", many).status_code == 413  # signed, yet far more than Twilio sends
    junk = [(f"X{n}", "") for n in range(12_000)]
    assert twilio.post("/sms", junk, signature="bm90IGEgc2lnbmF0dXJl").status_code == 413


def test_a_form_of_twilios_size_is_answered(twilio):
    fields = [("From", TEXTER), ("Body", "hi")] + [(f"MediaUrl{n}", "x") for n in range(40)]
    assert message_text(twilio.post("/sms", fields))


# -- the remembered-text pattern --------------------------------------------------


class Recording:
    """Stands in for the pattern and notes how long each text it is given was."""

    def __init__(self, pattern):
        self.pattern, self.lengths = pattern, []

    def fullmatch(self, text):
        self.lengths.append(len(text))
        return self.pattern.fullmatch(text)


def test_the_remembered_text_pattern_never_works_through_a_long_text(twilio, monkeypatch):
    recording = Recording(sms_web.REMEMBERED)
    monkeypatch.setattr(sms_web, "REMEMBERED", recording)
    assert message_text(twilio.sms(" " * 20_000 + "hi"))
    assert message_text(twilio.sms("hi"))
    assert recording.lengths and max(recording.lengths) <= 40


# What is remembered: one word of at most 20 characters with spaces around it and at
# most two digits, as a plain pattern (kept here as the meaning), and not three words
# for digits run together ("one-two-three").
NUMBER_WORDS = set(
    "zero oh nought one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred double triple".split()
)
MEANING = re.compile(r"\s*(?!(?:\S*?\d){3})\S{1,20}\s*")


@given(st.text(max_size=60) | st.from_regex(r"\s{0,25}\w{0,22}\s{0,25}", fullmatch=True))
def test_what_is_remembered_keeps_its_meaning_for_any_short_text(body):
    words_for_digits = len([w for w in re.findall(r"[a-z]+", body.lower()) if w in NUMBER_WORDS]) > 2
    assert sms_web.remembered(body) == (len(body) <= 40 and MEANING.fullmatch(body) is not None and not words_for_digits)
