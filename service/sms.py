"""``POST /sms``: Twilio's messaging webhook, answered with TwiML ``<Message>``.

Whatever happens - an unknown message, an expired session, Redis gone, a bug -
Twilio gets a 200 with a reply whose first line is the 999 instruction.
"""

from __future__ import annotations

import datetime as dt
import logging

import redis
from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from flows import Event, Session, step
from service.privacy import short, token_id
from service.signature import require_twilio_signature
from service.store import Turn

log = logging.getLogger("signpost.sms")
bp = Blueprint("sms", __name__)
bp.before_request(require_twilio_signature)


def twiml(text: str) -> Response:
    """The reply as TwiML; an empty text means no message at all (see the flood limit)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="application/xml")


def delivery_token(channel: str) -> str | None:
    """What makes a retried delivery the same delivery: the message, else Twilio's token."""
    token = request.form.get("MessageSid") or request.headers.get("I-Twilio-Idempotency-Token")
    return token_id(channel, token) if token else None


@bp.post("/sms")
def inbound() -> Response:
    line = current_app.extensions["signpost"]
    pack = line.pack_for(request.form.get("To"))
    person = line.person(request.form.get("From"))
    event = Event("text", request.form.get("Body", ""), at=dt.datetime.now(dt.timezone.utc))
    turn = Turn("sms", person, delivery_token("sms"), pack.id)
    try:
        begun = line.store.begin(turn)
        line.catch_up()
        if begun.answer is not None:
            log.info("sms from=%s repeat delivery: same answer", short(person))
            return twiml(begun.answer)
        reply, session = step(pack, begun.session, event)
        flooded = begun.replies_this_hour >= line.config.sms_replies_per_hour
        earlier = line.store.commit(
            turn, "" if flooded else reply.text, session, number_id=person,
            effect=reply.effect, counted=reply.node, replied=not flooded,
        )
        if flooded:
            # An opt-out is still recorded (above); only the reply, which costs money, is held back.
            log.warning("sms from=%s over %d replies this hour: not answered",
                        short(person), line.config.sms_replies_per_hour)
            return twiml("")
        log.info("sms from=%s node=%s effect=%s%s", short(person), reply.node, reply.effect or "-",
                 " (raced a retry)" if earlier else "")
        return twiml(earlier if earlier is not None else reply.text)
    except redis.RedisError as exc:
        # Stateless fallback: the same flow from a fresh session still answers
        # keywords and gives the menu; an opt-out goes to the journal.
        reply, _ = step(pack, Session(channel="sms"), event)
        if reply.effect:
            line.journal.record(person, reply.effect)
        log.warning("sms from=%s redis unavailable (%s): answered without a session",
                    short(person), type(exc).__name__)
        return twiml(reply.text)


@bp.post("/sms/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: the main menu, no Redis, nothing computed."""
    pack = current_app.extensions["signpost"].pack
    return twiml(pack.sms_pages[pack.main_menu])


@bp.errorhandler(Exception)
def never_fail(exc: Exception) -> Response:
    """A bug must not become a 5xx: Twilio would play its error message to the texter."""
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return exc
    log.exception("sms webhook failed; answered with the main menu")
    return fallback()
