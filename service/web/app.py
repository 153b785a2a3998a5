"""The Flask application factory."""

from __future__ import annotations

import logging
import sys

from flask import Flask, jsonify, redirect, url_for

from service.config import Config
from service.line import Line
from service.web import console, metrics, signature, sms, status, voice
from service.web.deadlines import BodyDeadline, TakeTurns
from service.web.signature import WebhookRequest

HSTS_SECONDS = 365 * 24 * 60 * 60  # a year: what the HSTS preload list asks as a floor


def configure_logging() -> None:
    logger = logging.getLogger("signpost")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = True
    # twilio-python logs every request's address at INFO, and a media item's address
    # holds its SIDs (a MessageSid leads back to the sender's number in the account).
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def create_app(config: Config | None = None) -> Flask:
    config = (config or Config.from_env()).validate()
    configure_logging()
    app = Flask(__name__)
    app.request_class = WebhookRequest
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.config["MAX_FORM_PARTS"] = signature.MAX_FORM_FIELDS
    app.extensions["signpost"] = line = Line.start(config)
    signature.install(app, config.auth_token)
    if not config.checks_signatures:
        app.logger.warning("TWILIO_AUTH_TOKEN is not set: webhook signatures are NOT checked. Serve on loopback only, for local trials.")

    # Outermost, so that a slow body is cut off before anything waits on it, and every
    # request, refused or not, lets the worker's other connections have a turn.
    deadline = BodyDeadline(app.wsgi_app, config.request_read_seconds, config.max_request_bytes)
    app.wsgi_app = TakeTurns(deadline)  # type: ignore[method-assign]
    app.register_blueprint(sms.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(status.bp)
    metrics.install(app)
    console.install(app)
    if config.public_base_url.startswith("https://"):

        @app.after_request
        def strict_transport(response):
            # The public origin is https: a browser that has been there once must never
            # try it over plain http, where the console's login could be read or changed
            # on the way (and a proxy would answer a webhook's http with a redirect
            # Twilio does not sign again). Not for subdomains: those are the partnership's.
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
            return response

    @app.get("/")
    def root():
        # Someone typing the line's bare web address: the console's login, not a bare 404.
        return redirect(url_for("console.index"))

    @app.get("/healthz")
    def healthz():
        # A write, not a PING: a primary demoted to a replica still answers PING, and
        # a line that cannot write cannot keep an opt-out.
        # A write refused (full under noeviction, or short of replicas) says "refusing
        # writes": the webhooks' caps are then each machine's own (service.state.local_caps).
        redis = line.store.health()
        return jsonify(
            status="ok" if redis == "ok" else "degraded",
            redis=redis,
            pack=line.pack.id,
        )

    return app
