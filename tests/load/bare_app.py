"""The yardstick: a bare Flask app that answers every webhook with fixed TwiML."""

from flask import Flask, Response

FIXED_SMS = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
    "If a child is in immediate danger, call 999.</Message></Response>"
)
FIXED_VOICE = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say>'
    "If a child is in immediate danger, hang up and call 999.</Say></Response>"
)

app = Flask(__name__)


@app.post("/sms")
def sms():
    return Response(FIXED_SMS, mimetype="application/xml")


@app.post("/voice")
def voice():
    return Response(FIXED_VOICE, mimetype="application/xml")


@app.get("/healthz")
def healthz():
    return "ok"
