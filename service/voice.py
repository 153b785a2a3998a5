"""``POST /voice`` and its steps: Twilio's voice webhook, answered with TwiML.

Each response names the next step in its action URL (``/voice/step?n=4``): a key,
words, silence (the ``<Redirect>`` after a ``<Gather>``) and the end of a
transfer (``<Dial action>``) all come back there. The step number makes a
retried webhook the same delivery: it gets the identical TwiML and acts once.

The call's state lives in Redis keyed by an HMAC of the CallSid. A mobile number
the caller keyed is held between turns only encrypted, and every stored answer
is encrypted too, since the TwiML that reads a number back holds it.

Whatever happens - Redis gone, a bug - Twilio gets a 200 whose first words are
the 999 sentence, never a 5xx that would play Twilio's error message instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import replace

import redis
from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from flows import Event, Session, step
from flows.model import VoiceReply
from flows.voice import SILENCES_BEFORE_GOODBYE
from service import followups
from service.privacy import sealer, short, token_id
from service.signature import require_twilio_signature
from service.store import Turn
from service.voice_twiml import Speech, goodbye, render_step

log = logging.getLogger("signpost.voice")
bp = Blueprint("voice", __name__)
bp.before_request(require_twilio_signature)

FALLBACK = "signpost.voice.fallback"
SPEECH = "signpost.voice.speech"
CLOCK = "SIGNPOST_CLOCK"
# When a follow-up could not even be asked for (Redis down): the flow's generic apology.
UNAVAILABLE = "unavailable"


@bp.record_once
def prerender(state) -> None:
    """How each pack sounds, and its fallback answer, made at start-up: the fallback
    URL must need nothing, and no request should rebuild what never changes."""
    line = state.app.extensions["signpost"]
    speech = {pack.id: Speech.of(pack, line.config.voice) for pack in line.every_pack}
    state.app.extensions[SPEECH] = speech
    state.app.extensions[FALLBACK] = {
        pack.id: goodbye(pack.voice_say.get("fallback", ""), speech[pack.id]) for pack in line.every_pack
    }


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def xml(twiml: str) -> Response:
    return Response(twiml, mimetype="application/xml")


def call_id(call_sid: str, key: bytes) -> str:
    """A stable pseudonym for one call, keyed like the phone-number pseudonyms."""
    return hmac.new(key, b"call:" + call_sid.encode(), hashlib.sha256).hexdigest()[:32]


def call_sealer(key: bytes) -> Fernet:
    return sealer(key, b"call-state")


def conceal(session: Session, fernet: Fernet) -> Session:
    pending = session.pending
    if not pending or "number" not in pending:
        return session
    sealed = fernet.encrypt(pending["number"].encode()).decode()
    return replace(session, pending={**pending, "number": sealed})


def reveal(session: Session, fernet: Fernet, ttl: int) -> Session:
    pending = session.pending
    if not isinstance(pending, dict) or "number" not in pending:
        return session
    pending = dict(pending)
    try:
        pending["number"] = fernet.decrypt(str(pending["number"]).encode(), ttl=ttl).decode()
    except (InvalidToken, ValueError):
        # Unreadable (key changed, or too old): the flow asks for the number again.
        pending.pop("number")
    return replace(session, pending=pending)


def event_from(form, at: dt.datetime, start: bool) -> Event:
    caller = form.get("From", "")
    if start:
        return Event("start", at=at, caller=caller)
    if form.get("DialCallStatus"):
        return Event("dial", form["DialCallStatus"], at=at, caller=caller)
    if form.get("Digits", "").strip():
        return Event("digits", form["Digits"].strip()[:64], at=at, caller=caller)
    if form.get("SpeechResult", "").strip():
        return Event("speech", form["SpeechResult"][:500], at=at, caller=caller)
    return Event("silence", at=at, caller=caller)


def step_number() -> int:
    """The step this request answers; 0 is the call's start, so a step is at least 1."""
    try:
        return max(1, min(int(request.args.get("n", "1")), 10_000))
    except ValueError:
        return 1


@bp.post("/voice")
def start() -> Response:
    return answer(0, start=True)


@bp.post("/voice/step")
def next_step() -> Response:
    return answer(step_number(), start=False)


def answer(n: int, start: bool) -> Response:
    line = current_app.extensions["signpost"]
    pack = line.pack_for(request.form.get("To"))
    speech = current_app.extensions[SPEECH][pack.id]
    fernet = call_sealer(line.config.hash_key)
    clock = current_app.config.get(CLOCK, utc_now)
    event = event_from(request.form, clock(), start)
    call_sid = request.form.get("CallSid", "")
    call = call_id(call_sid, line.config.hash_key)
    turn = Turn("voice", call, token_id("voice", call_sid, str(n)) if call_sid else None, pack.id)
    try:
        if start:
            # A new call has no session to read: one round trip (the commit), whose
            # SET NX still hands a retried start the answer already given.
            session = Session(channel="voice")
        else:
            stored, session = line.store.begin(turn)
            if stored is not None:
                try:
                    earlier = fernet.decrypt(stored.encode()).decode()
                    log.info("voice call=%s step=%s repeat delivery: same answer", short(call), n)
                    return xml(earlier)
                except InvalidToken:
                    pass  # sealed under another SIGNPOST_SECRET_KEY: answer afresh
            session = reveal(session, fernet, line.config.session_ttl)
        reply, session = step(pack, session, event)
        if reply.followup is not None:
            outcome = request_followup(line, pack, reply, call, n)
            reply, session = step(pack, session, Event("followup", outcome, at=event.at))
        twiml = render_step(reply, speech, n + 1)
        counted = reply.node if reply.node in pack.topics or reply.node in pack.menus else ""
        earlier = line.store.commit(
            turn, fernet.encrypt(twiml.encode()).decode(), conceal(session, fernet), counted=counted
        )
        # Every answer is in the access log already; this is for following one call.
        log.debug("voice call=%s step=%s event=%s node=%s%s", short(call), n, event.kind, reply.node,
                  " (raced a retry)" if earlier else "")
        return xml(fernet.decrypt(earlier.encode()).decode() if earlier is not None else twiml)
    except redis.RedisError as exc:
        log.warning("voice call=%s step=%s redis unavailable (%s): answered without a session",
                    short(call), n, type(exc).__name__)
        return xml(stateless(pack, speech, event, n))


def stateless(pack, speech: Speech, event: Event, n: int) -> str:
    """The answer from a fresh call, for when the call's state cannot be had.

    Keys and words still work. Silence cannot be counted without state, so one
    silence ends the call politely (helpline number, goodbye) rather than risk a
    caller hearing re-prompts for ever.
    """
    fresh = Session(channel="voice")
    if event.kind == "silence":
        fresh = replace(fresh, menu=pack.voice_main, node=pack.voice_main,
                        silences=SILENCES_BEFORE_GOODBYE - 1)
    reply, session = step(pack, fresh, event)
    if reply.followup is not None:
        reply, _ = step(pack, session, Event("followup", UNAVAILABLE, at=event.at))
    return render_step(reply, speech, n + 1)


def request_followup(line, pack, reply: VoiceReply, call: str, n: int) -> str:
    """Queue the text; the job id is the call and step, so a retry queues nothing new.

    Whatever goes wrong here, the caller is told the text could not be sent and
    the call goes on: a failure to queue must not become a failed call.
    """
    try:
        outcome = followups.request(line, reply.followup, job_id=f"voice-{call}-{n}", pack=pack,
                                    called=request.form.get("To", ""))
    except Exception:
        log.exception("voice call=%s step=%s follow-up could not be queued", short(call), n)
        outcome = UNAVAILABLE
    log.info("voice call=%s step=%s follow-up %s", short(call), n, outcome)
    return outcome


@bp.post("/voice/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: 999, the helpline number, goodbye. No Redis."""
    pack = current_app.extensions["signpost"].pack_for(request.form.get("To"))
    return xml(current_app.extensions[FALLBACK][pack.id])


@bp.errorhandler(Exception)
def never_fail(exc: Exception) -> Response:
    """A bug must not become a 5xx: Twilio would play its own error message to the caller."""
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return exc
    log.exception("voice webhook failed; answered from a fresh call")
    try:
        line = current_app.extensions["signpost"]
        pack = line.pack_for(request.form.get("To"))
        event = event_from(request.form, utc_now(), start=request.path == "/voice")
        return xml(stateless(pack, current_app.extensions[SPEECH][pack.id], event, step_number()))
    except Exception:
        log.exception("voice webhook could not answer from a fresh call; answered with the fallback")
        return fallback()
