"""The yardsticks: bare Flask apps that answer every webhook with fixed TwiML.

``app`` does nothing else: the issue's yardstick. ``app_with_redis()`` also makes one
Redis round trip per webhook (a Lua script claiming a key, through the same client
settings as the line), to show what that round trip alone costs on this machine.
"""

import os

from flask import Flask, Response, request

FIXED_SMS = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>If a child is in immediate danger, call 999.</Message></Response>'
FIXED_VOICE = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say>If a child is in immediate danger, hang up and call 999.</Say></Response>'
)


def make_app(round_trip=None) -> Flask:
    app = Flask(__name__)

    @app.post("/sms")
    def sms():
        if round_trip:
            round_trip()
        return Response(FIXED_SMS, mimetype="application/xml")

    @app.post("/voice")
    @app.post("/voice/step")
    def voice():
        if round_trip:
            round_trip()
        return Response(FIXED_VOICE, mimetype="application/xml")

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


def app_with_redis() -> Flask:
    """The bare app plus one Lua script call per webhook (bare_redis_app serves it)."""
    from service.state.store import connect

    client = connect(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), 0.25)
    script = client.register_script("return redis.call('SET', KEYS[1], ARGV[1], 'EX', 60)")
    return make_app(lambda: script(keys=["bench:yardstick"], args=[request.content_length or 0]))


app = make_app()
