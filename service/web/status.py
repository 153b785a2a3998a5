"""``POST /sms/status``: Twilio's delivery status callback for follow-up texts; and
``POST /voice/status``: Twilio's report that a call has ended.

Records what happened to a message (``MessageStatus``, ``ErrorCode``) under a hash
of its ``MessageSid``, beside the follow-up it came from. The ``To`` number in the
callback is never read. Each status is kept as a field of its own with the time
it came, because Twilio's callbacks can arrive out of order: a late ``sent`` then
cannot overwrite ``delivered``.

Error 21610 (the person texted STOP to the line's number at the carrier, so
Twilio would not send) records an opt-out, as it does when the worker gets it in
answer to a send: the person is found through the follow-up the message came
from (its record holds their pseudonym), still without reading ``To``.

A call's end counts where the caller was when they hung up (the menu or page it last
heard, see ``Store.claim``), once, for the console's call paths; a call the line ended
itself, or put through to a helpline, counts nothing. No number is read.

Twilio only needs a 2xx; anything else makes it retry and log an error, so this
answers 200 whatever happens (403 when the signature is wrong).
"""

from __future__ import annotations

import logging
import time

import redis
from flask import Blueprint, Response, current_app, request

from service.followups.delivery import UNSUBSCRIBED, message_key
from service.state import keys
from service.state.keys import RECORD_TTL
from service.state.pseudonyms import call_id
from service.state.store import FOLLOWUP, opt_out
from service.web.never_fail import answer_failures
from service.web.signature import require_twilio_signature

log = logging.getLogger("signpost.followups")
bp = Blueprint("status", __name__)
bp.before_request(require_twilio_signature)

STATUSES = frozenset(
    [
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "read",
        "canceled",
        "partially_delivered",
    ]
)
# The statuses that end a message's story: the console counts these.
COUNTED = frozenset(["delivered", "undelivered", "failed"])


@bp.post("/sms/status")
def delivery_status() -> Response:
    line = current_app.extensions["signpost"]
    sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus") or request.form.get("SmsStatus") or ""
    status = status if status in STATUSES else "other"
    code = request.form.get("ErrorCode", "")
    code = code if code.isdigit() else ""
    if sid:
        key = message_key(sid)
        if code == str(UNSUBSCRIBED):
            # First: an opt-out must not wait on the counting below, which a full Redis refuses.
            record_unsubscribed(line, key)
        # Counted once per status, however often Twilio retries the callback.
        pipe = line.store.redis.pipeline().hsetnx(key, status, f"{time.time():.0f}")
        if code:
            pipe.hset(key, "error_code", code)
        first, *_ = pipe.expire(key, RECORD_TTL).execute()
        if first and status in COUNTED:
            count(line, key, status, code)
        log.info("follow-up message=%s status=%s error=%s", key.rsplit(":", 1)[1][:10], status, code or "-")
    return Response("", status=200)


# The call statuses that end a call Twilio has answered: the caller hung up (or the
# line did, which the line's own record of the call tells apart).
CALL_OVER = frozenset(["completed", "canceled", "failed", "busy", "no-answer"])


@bp.post("/voice/status")
def call_status() -> Response:
    line = current_app.extensions["signpost"]
    sid = request.form.get("CallSid", "")
    if sid and request.form.get("CallStatus", "") in CALL_OVER:
        pack = line.pack_for(request.form.get("To"))
        place = line.store.call_ended(call_id(sid, line.config.hash_key), pack.id)
        log.info("call ended at %s", place or "(no place: the line ended it, or told already)")
    return Response("", status=200)


def record_unsubscribed(line, message: str) -> None:
    """Opt out the person a follow-up message went to (Twilio's 21610): the message's
    record names its follow-up, whose record holds the person's pseudonym. Not a webhook
    that needs one round trip (Twilio sends it once per status), so plainly. Twilio does
    not send the callback again, so an opt-out Redis will not take (full, or read-only)
    goes to the journal, as a STOP does."""
    client = line.store.redis
    followup = client.hget(message, "followup")
    person = client.hget(keys.followup_record(followup.decode()), "person") if followup else None
    short_id = message.rsplit(":", 1)[1][:10]
    if not person:
        log.info("follow-up message=%s: 21610, no follow-up known for it", short_id)
        return
    try:
        opt_out(client, person.decode())
    except redis.RedisError:
        line.journal.record(person.decode(), "opt_out")
        line.redis_failed()
        log.warning("follow-up message=%s: 21610, opt-out kept in the journal", short_id)
        return
    log.info("follow-up message=%s: 21610, opt-out recorded", short_id)


def count(line, key: str, status: str, code: str) -> None:
    """Count a delivery report in the day of the pack its follow-up was asked on."""
    client = line.store.redis
    followup = client.hget(key, "followup")
    pack = client.hget(keys.followup_record(followup.decode()), "pack") if followup else None
    field = f"{FOLLOWUP}:{status}" + (f":{code}" if code and status != "delivered" else "")
    line.store.count_event(pack.decode() if pack else line.pack.id, field)
    if status in ("undelivered", "failed"):
        line.store.note_error("delivery")


def failed(exc: Exception) -> Response:
    """A status not recorded is a 200 all the same: Twilio would only retry it."""
    log.warning("delivery status not recorded (%s)", type(exc).__name__)
    return Response("", status=200)


answer_failures(bp, failed)
