"""Any form Twilio could send - or junk of Twilio's shape that carries a valid signature -
gets a 200, valid TwiML, and the 999 line first, on every webhook URL; a form Twilio
could not have sent gets 403.

``make test`` runs a few hundred examples; ``make soak`` runs 10,000 or more
(``SIGNPOST_FUZZ_EXAMPLES``).
"""

import os
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE, EMERGENCY_VOICE
from tests.support import LINE_NUMBER, TEXTER, assert_999_said, spoken

EXAMPLES = int(os.environ.get("SIGNPOST_FUZZ_EXAMPLES", "350"))

FIELDS = [
    "From",
    "To",
    "Body",
    "MessageSid",
    "CallSid",
    "Digits",
    "SpeechResult",
    "Confidence",
    "CallStatus",
    "DialCallStatus",
    "NumMedia",
    "AccountSid",
    "Caller",
    "FromCountry",
    "OptOutType",
    "MediaUrl0",
    "MediaUrl1",
    "ExternalUserId",
]
junk = st.one_of(
    st.text(max_size=40),
    st.text(max_size=10_000),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "9",
            "*",
            "#",
            "**",
            "0123456789#",
            "anonymous",
            "+",
            TEXTER,
            "STOP",
            "menu",
            "\x00",
            "\ufffd",
            "%FF",
            "\u202e",
            "1" * 500,
            "HELP",
            "START",
            "whatsapp:+447400123456",
            "whatsapp:US.1234",
            "https://api.twilio.com/x/Media/ME" + "1" * 32,
        ]
    ),
)
# Known fields with junk values, unknown fields, missing fields and repeated keys.
forms = st.lists(
    st.tuples(st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=20)), junk),
    max_size=12,
)

# A text is answered with the 999 line for its reader: a professional, or anyone (STOP,
# or words of crisis, which any text may hold).
SMS_999 = (EMERGENCY_SMS, EMERGENCY_SMS_ANYONE)
# path -> the first thing said or sent must be this (or one of these); None: a later turn of a call,
# which says the short 999 form after its first sentence (flows.render.voice_turn).
ENDPOINTS = {
    "/sms": SMS_999,
    "/sms/": SMS_999,
    "/sms/fallback": SMS_999,
    "/voice": EMERGENCY_VOICE,
    "/voice/": EMERGENCY_VOICE,
    "/voice/step?n=1": None,
    "/voice/step?n=4": None,
    "/voice/step?n=x": None,
    # A call's state as its URL carries it: in a menu, and junk.
    "/voice/step?n=3&s=eyJjaGFubmVsIjoidm9pY2UiLCJtZW51Ijoidm9pY2VfbW9yZSIsIm5vZGUiOiJ2b2ljZV9tb3JlIn0": None,
    "/voice/step?n=2&s=%25junk": None,
    "/voice/fallback": EMERGENCY_VOICE,
}


# The fields the line reads, and Twilio's own fields whose names begin with one: any
# other name beginning so is a value swallowed into a name under the signature.
READ = ("Body", "Digits", "SpeechResult", "From", "To", "OptOutType")
TWILIOS_LIKE_READ = {*READ, "FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry"}


def twilio_shaped(form, path: str) -> bool:
    """Could Twilio have sent it? Its field names are letters and digits, its SIDs two
    capitals and 32 hex digits (or empty, but never the delivery's own, which the test
    client adds when a form has none); anything else is refused before it is read."""
    delivery = "MessageSid" if path.startswith("/sms") else "CallSid"
    if path.rstrip("/") == "/sms" and not {"Body", "From"} <= dict(form).keys():
        return False  # Twilio always sends a Body and a From: without one, it was moved into a name
    return all(
        re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,63}", name)
        and (not name.endswith("Sid") or re.fullmatch(r"[A-Z]{2}[0-9a-fA-F]{32}", value) or (value == "" and name != delivery))
        and (name in TWILIOS_LIKE_READ or not name.startswith(READ))
        for name, value in form
    )


def first_words(response) -> str:
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    for element in root.iter():
        text = " ".join("".join(element.itertext()).split())
        if element.tag in ("Message", "Say") and text:
            return text
    return ""


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_any_form_gets_200_valid_twiml_and_999_first(twilio, path):
    @settings(
        max_examples=max(-(-EXAMPLES // len(ENDPOINTS)), 20),
        deadline=None,  # rounded up
        suppress_health_check=list(HealthCheck),
    )
    @given(form=forms)
    def check(form):
        response = twilio.post(path, form)
        if not twilio_shaped(form, path):
            assert response.status_code == 403, response.text[:200]
            return
        assert response.status_code == 200, response.text[:200]
        said = first_words(response)
        if ENDPOINTS[path] is None:
            assert_999_said(spoken(ET.fromstring(response.content)))
        elif said:
            assert said.startswith(ENDPOINTS[path])
        else:  # only a number past its hourly SMS limit, or an opt-out Twilio has
            # answered itself (OptOutType), gets an empty <Response/>
            assert path in ("/sms", "/sms/", "/sms/fallback")

    check()


def test_invalid_utf8_and_broken_escapes_still_get_the_999_line(twilio):
    # Bytes that are not UTF-8 are left percent-encoded by werkzeug: that is what is signed.
    sid = "SM" + "1" * 32
    body = f"From=%2B447400123456&Body=%FF%FE%zz&MessageSid={sid}&To=" + LINE_NUMBER.replace("+", "%2B")
    params = [("From", TEXTER), ("Body", "%FF%FE%zz"), ("MessageSid", sid), ("To", LINE_NUMBER)]
    from werkzeug.datastructures import MultiDict

    signature = twilio.sign("/sms", MultiDict(params))
    response = twilio.session.post(
        twilio.base_url + "/sms",
        data=body,
        timeout=10,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert first_words(response).startswith(SMS_999)
