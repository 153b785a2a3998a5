"""``GET /metrics``: Prometheus text for operators (prometheus-client).

Counters kept by the web process (webhooks by route and status, reply latency,
Redis errors) are shared by gunicorn's workers through prometheus-client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, which ``gunicorn_conf`` sets), so
whichever worker answers the scrape counts them all. Follow-ups by outcome and
flood-limited texts are read from the daily counters in Redis at scrape time, since
the worker, not the web process, sees most outcomes: the numbers are today's (UK
day), every pack.

Served only to a client on loopback that came through no proxy, or with
``Authorization: Bearer $SIGNPOST_METRICS_TOKEN``: the counts are harmless, the
route names and error rates are still nobody else's business.
"""

from __future__ import annotations

import functools
import hmac
import os
import time

import redis
from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from service.config import LOOPBACK_HOSTS
from service.state import keys
from service.state.store import FLOODED, FLOODED_ABROAD, FOLLOWUP, uk_today

WEBHOOKS = Counter("signpost_webhooks", "Webhook requests answered, by route and HTTP status", ["route", "status"])
LATENCY = Histogram(
    "signpost_reply_seconds", "Time to answer a webhook", ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
)
REDIS_ERRORS = Counter("signpost_redis_errors", "Webhook turns answered without Redis", ["where"])
WEBHOOK_ROUTES = ("/sms", "/sms/fallback", "/sms/status", "/voice", "/voice/step", "/voice/fallback", "/voice/status")


class DailyCounts:
    """Follow-ups by outcome and flood-limited texts, today, read from Redis at scrape time."""

    def __init__(self, line):
        self.line = line

    def collect(self):
        # Gauges: they start again at midnight (UK), which a counter must never do.
        followups = GaugeMetricFamily("signpost_followups_today", "Follow-up texts today (UK day), by outcome", labels=["pack", "outcome"])
        flooded = GaugeMetricFamily(
            "signpost_flood_limited_today", "Texts not answered under the flood limit today (UK day)", labels=["pack"]
        )
        try:
            day = uk_today()
            pipe = self.line.store.redis.pipeline(transaction=False)
            for pack in self.line.every_pack:
                pipe.hgetall(keys.events(pack.id, day))
            for pack, events in zip(self.line.every_pack, pipe.execute()):
                flooded.add_metric([pack.id], sum(int(events.get(f"sms:{why}".encode(), 0)) for why in (FLOODED, FLOODED_ABROAD)))
                for field, value in events.items():
                    kind, _, outcome = field.decode().partition(":")
                    if kind == FOLLOWUP:
                        followups.add_metric([pack.id, outcome], int(value))
        except redis.RedisError:
            REDIS_ERRORS.labels("metrics").inc()
        yield followups
        yield flooded


def note_error() -> None:
    """Count a webhook that failed, for the console's health page, if Redis will take it."""
    try:
        current_app.extensions["signpost"].store.note_error("webhook")
    except Exception:  # noqa: BLE001 - the answer to Twilio matters more than the count
        pass


class WebhookCounts:
    """WSGI middleware counting each webhook by route and status, and timing it to its answer.

    Around the app rather than as Flask's before and after hooks: a hook costs a
    webhook more than the counting does (Flask checks each for a coroutine on every
    request). Counted by path, so a webhook's path asked with the wrong method (405)
    is counted too. A route configured with a trailing slash (/sms/, /voice/) is
    counted as the route.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        route = path[:-1] if path.endswith("/") else path
        if route not in WEBHOOK_ROUTES:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()

        def counted(status, headers, exc_info=None):
            _webhooks(route, status[:3]).inc()
            _latency(route).observe(time.perf_counter() - started)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, counted)


# Each route's and status's counter, found once: prometheus-client's ``labels`` takes
# a lock and converts its arguments every time (the routes and statuses are few).
_webhooks = functools.cache(WEBHOOKS.labels)
_latency = functools.cache(LATENCY.labels)


def install(app: Flask) -> None:
    line = app.extensions["signpost"]
    token = line.config.metrics_token
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (WEBHOOKS, LATENCY, REDIS_ERRORS):
            registry.register(collector)
    registry.register(DailyCounts(line))

    # Flask's documented way to wrap the WSGI app; its stubs declare it a method.
    app.wsgi_app = WebhookCounts(app.wsgi_app)  # type: ignore[method-assign]

    @app.get("/metrics")
    def metrics():
        if not allowed(token):
            abort(403)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def allowed(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    # A proxy on this machine would make every client look local: a forwarded request is not.
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return (request.remote_addr or "") in LOOPBACK_HOSTS and not forwarded and not given
