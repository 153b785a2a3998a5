"""GET /metrics: Prometheus text, for loopback or the bearer token only."""

import requests
from prometheus_client.parser import text_string_to_metric_families

from flows.model import FollowUp
from service.config import Config
from service.followups import asking
from tests.support import TEXTER, Twilio

TOKEN = "metrics-token-0123456789"


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_webhooks_latency_followups_and_floods(serve, config, redis_client):
    server = serve(config.with_(sms_replies_per_hour=1))
    twilio = Twilio(server.url)
    before = samples(requests.get(server.url + "/metrics", timeout=5).text)
    twilio.sms("hi")
    twilio.sms("1")  # held back by the flood limit
    twilio.post("/sms", {"Body": "hi"}, signature="forged")
    found = samples(requests.get(server.url + "/metrics", timeout=5).text)
    ok = ("signpost_webhooks_total", (("route", "/sms"), ("status", "200")))
    forbidden = ("signpost_webhooks_total", (("route", "/sms"), ("status", "403")))
    assert found[ok] - before.get(ok, 0) == 2
    assert found[forbidden] - before.get(forbidden, 0) == 1
    count = ("signpost_reply_seconds_count", (("route", "/sms"),))
    assert found[count] - before.get(count, 0) == 3
    assert found[("signpost_flood_limited_today", (("pack", "en-GB-coventry"),))] == 1


def test_a_webhook_configured_with_a_trailing_slash_is_counted_as_its_route(live):
    twilio = Twilio(live.url)
    before = samples(requests.get(live.url + "/metrics", timeout=5).text)
    assert twilio.post("/sms/", {"From": TEXTER, "Body": "hi"}).status_code == 200
    assert twilio.post("/voice/", {"From": TEXTER}).status_code == 200
    found = samples(requests.get(live.url + "/metrics", timeout=5).text)
    for route in ("/sms", "/voice"):
        ok = ("signpost_webhooks_total", (("route", route), ("status", "200")))
        assert found.get(ok, 0) - before.get(ok, 0) == 1, route


def test_redis_errors_are_counted(serve, config):
    server = serve(config.with_(redis_url="redis://127.0.0.1:9/0"))
    before = samples(requests.get(server.url + "/metrics", timeout=5).text)
    Twilio(server.url).sms("hi")
    found = samples(requests.get(server.url + "/metrics", timeout=5).text)
    key = ("signpost_redis_errors_total", (("where", "sms"),))
    assert found[key] - before.get(key, 0) == 1


def test_only_loopback_or_the_token_may_read_them(serve, config):
    server = serve(config.with_(metrics_token=TOKEN))
    assert requests.get(server.url + "/metrics", timeout=5).status_code == 200
    proxied = requests.get(server.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
    assert proxied.status_code == 403
    assert (
        requests.get(
            server.url + "/metrics", timeout=5, headers={"X-Forwarded-For": "203.0.113.9", "Authorization": f"Bearer {TOKEN}"}
        ).status_code
        == 200
    )
    assert requests.get(server.url + "/metrics", timeout=5, headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_the_token_is_read_from_the_environment():
    assert Config.from_env({"SIGNPOST_METRICS_TOKEN": TOKEN}).metrics_token == TOKEN
    assert Config.from_env({}).metrics_token == ""


def test_followups_by_outcome_are_todays_counts(serve, config, redis_client):
    server = serve(config)
    line = server.app.extensions["signpost"]
    assert asking.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == "queued"
    assert asking.request(line, FollowUp("followup", "+12025550123"), job_id="CA2:links") == "not_allowed"
    found = samples(requests.get(server.url + "/metrics", timeout=5).text)
    assert found[("signpost_followups_today", (("outcome", "queued"), ("pack", "en-GB-coventry")))] == 1
    assert found[("signpost_followups_today", (("outcome", "not_allowed"), ("pack", "en-GB-coventry")))] == 1
