"""Only requests Twilio signed are answered (with TWILIO_AUTH_TOKEN set)."""

from urllib.parse import urlencode

import requests
from flask import Flask, Request
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

from service.web.signature import MAX_FORM_FIELDS, WebhookRequest
from tests.support import TEXTER, Twilio, gather, message_text, voice_twiml


def test_unsigned_request_gets_403(live):
    response = requests.post(live.url + "/sms", data={"From": TEXTER, "Body": "hi"}, timeout=5)
    assert response.status_code == 403


def test_forged_signature_gets_403(twilio):
    assert twilio.post("/sms", {"From": TEXTER, "Body": "hi"}, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403


def test_signature_with_another_token_gets_403(live):
    assert Twilio(live.url, auth_token="someone-elses-token").sms("hi").status_code == 403


def test_replayed_signature_with_changed_parameters_gets_403(twilio):
    params = {"From": TEXTER, "Body": "hi", "MessageSid": "SM" + "1" * 32}
    signature = twilio.sign("/sms", MultiDict(params))
    assert twilio.post("/sms", params, signature=signature).status_code == 200
    tampered = {**params, "Body": "STOP"}
    assert twilio.post("/sms", tampered, signature=signature).status_code == 403


def test_repeated_fields_are_signed_as_a_multidict(twilio):
    params = [("From", TEXTER), ("Body", "hi"), ("MediaUrl0", "a"), ("MediaUrl0", "b")]
    assert twilio.post("/sms", params).status_code == 200


def test_public_base_url_is_what_twilio_signed(serve, config):
    public = "https://line.example.org"
    server = serve(config.with_(public_base_url=public))
    behind_proxy = Twilio(server.url, public_url=public)
    assert message_text(behind_proxy.sms("hi")).startswith("If a child")
    assert Twilio(server.url).sms("hi").status_code == 403  # signed for the wrong URL


def test_query_string_is_part_of_the_signed_url(twilio):
    params = {"From": TEXTER, "Body": "hi"}
    good = twilio.post("/sms?x=1", params)
    assert good.status_code == 200
    signed_without_query = twilio.sign("/sms", MultiDict(params))
    assert twilio.post("/sms?x=1", params, signature=signed_without_query).status_code == 403


def test_without_a_token_signatures_are_not_required(serve, config):
    server = serve(config.with_(auth_token="", secret_key=""))
    response = requests.post(server.url + "/sms", data={"From": TEXTER, "Body": "hi"}, timeout=5)
    assert response.status_code == 200


def test_oversized_body_gets_413(twilio):
    assert twilio.post("/sms", {"From": TEXTER, "Body": "x" * 200_000}).status_code == 413


def test_a_signature_header_that_is_not_ascii_gets_403(twilio):
    for path in ("/sms", "/voice", "/voice/step?n=1", "/sms/status"):
        assert twilio.post(path, {"From": TEXTER, "Body": "hi"}, signature="\u00e9t\u00e9").status_code == 403


def test_twilio_may_sign_the_url_with_its_default_port(serve, config):
    server = serve(config.with_(public_base_url="https://line.example.org"))
    with_port = Twilio(server.url, public_url="https://line.example.org:443")
    assert message_text(with_port.sms("hi")).startswith("If a child")


def test_a_call_state_changed_under_its_signature_gets_403(twilio):
    call = twilio.call_start()
    action = gather(call.root).get("action")
    params = {"CallSid": call.sid, "From": TEXTER, "Digits": "1"}
    signature = twilio.sign(action, MultiDict(params))
    forged = action.replace("&s=", "&s=eyJjaGFubmVsIjoidm9pY2UiLCJtZW51Ijoidm9pY2VfbW9yZSJ9&was=")
    assert twilio.post(forged, params, signature=signature).status_code == 403
    assert voice_twiml(twilio.post(action, params, signature=signature)) is not None


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), max_size=30).map(urlencode).map(str.encode),
        st.lists(st.sampled_from(["a=1", "&", "=", "%", "%FF", "%C3%A9", "+", "b", ";", "\xe9"]), max_size=40)
        .map("".join)
        .map(lambda s: s.encode("utf-8", "surrogatepass")),
    )
)
def test_a_webhook_form_is_parsed_as_werkzeug_parses_it(body):
    """The webhooks' own urlencoded loading gives werkzeug's form for any body, whether or
    not it is UTF-8 or well formed, so the signature and the flows see what werkzeug would."""
    assume(body.count(b"&") < MAX_FORM_FIELDS)

    def form(request_class):
        environ = EnvironBuilder(method="POST", data=body, content_type="application/x-www-form-urlencoded").get_environ()
        with Flask(__name__).app_context():
            request = request_class(environ)
            return list(request.form.items(multi=True)), list(request.files.items(multi=True))

    assert form(WebhookRequest) == form(Request)
