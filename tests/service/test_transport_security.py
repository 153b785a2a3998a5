"""Strict-Transport-Security: sent when the line's public origin is https, never over a
plain-http trial on this machine (where it would pin localhost to https)."""

import requests

from tests.support import Twilio, message_text


def test_an_https_public_origin_sends_hsts_on_every_answer(serve, config):
    live = serve(config.with_(public_base_url="https://line.example.org"))
    twilio = Twilio(live.url, public_url="https://line.example.org")
    for response in (
        requests.get(live.url + "/healthz", timeout=5),
        requests.get(live.url + "/console/login", timeout=5),
        twilio.sms("hi"),
    ):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert message_text(twilio.sms("hi"))


def test_no_hsts_without_an_https_origin(serve, config):
    live = serve(config.with_(public_base_url="http://127.0.0.1:5000"))
    assert "Strict-Transport-Security" not in requests.get(live.url + "/healthz", timeout=5).headers
