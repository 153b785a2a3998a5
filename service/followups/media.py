"""Pictures and videos sent to the line are deleted from the Twilio account by the worker.

Twilio keeps the media of a message (MMS, WhatsApp) in the account until it is
deleted. The line never fetches it: the webhook reads only ``NumMedia`` and the
text of each ``MediaUrlN``, whose last part is the Media SID, and queues one job
a message. The worker then asks Twilio's REST API to delete each item (the Message Media
resource: ``DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}.json``),
with the follow-up job's retry rules (see ``delivery``): throttled (429) or not
answered, it tries again on the same schedule, for up to ``followup_retry_seconds``;
404 means the item is gone already; any other answer cannot be helped by trying
again, and is logged. Unlike a text, a delete is safe to repeat, so a request that
may have reached Twilio is tried again too, and a retried webhook that queues the
same items again costs a request each, nothing else.

Deletions wait in a queue of their own (``keys.MEDIA_QUEUE``), which the worker takes
from only when no follow-up text is waiting (RQ takes from its queues in order): a
flood of pictures can delay other pictures' deletion, never a text someone asked
for. And one sender's messages are deleted ``media_deletions_per_sender_per_hour`` in
any hour at most, and the whole line's ``media_deletions_per_hour``: neither a number
sending picture after picture nor many numbers sending one each can fill the queue, and
what one sender sends past their own cap takes nothing from anyone else's.
Past that their pictures stay in the account (the count is logged), as they would
have while the queue was full: deletion is housekeeping, a text is help.

Only counts are logged: never a SID or a URL.
"""

from __future__ import annotations

import logging
import time

import requests
from rq import Queue, Retry, get_current_job
from twilio.base.exceptions import TwilioRestException

from service.config import Config
from service.followups import delivery
from service.state import connection, keys
from service.state.keys import FAILURE_TTL, JOB_TTL, MEDIA_WINDOW
from service.state.pseudonyms import token_id

log = logging.getLogger("signpost.media")

NOT_FOUND = 404


def queue(connection) -> Queue:
    return Queue(keys.MEDIA_QUEUE, connection=connection)


# KEYS: the sender's window, the line's; ARGV: now, window, sender cap, line cap, job id.
# Sliding hours of the messages queued, as sorted sets of job ids by time. Only a message
# queued counts, and for both: one sender past their own cap uses none of the line's.
# A retried webhook's job id is already there, so it counts once.
_CLAIM = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, 2 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window) end
if redis.call('ZSCORE', KEYS[1], ARGV[5]) then return 'queued' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'sender' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'line' end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[5])
  redis.call('EXPIRE', KEYS[i], window)
end
return 'queued'
"""
# Why a message's media was not queued for deletion, as the log says it.
USED_UP = {"sender": "the sender's deletions this hour are used up", "line": "the line's deletions this hour are used up"}


def enqueue(queue: Queue, message_sid: str, media_sids: list[str], config: Config, sender: str) -> str:
    """Queue the deletion of a message's media (the webhook calls this; nothing is asked
    of Twilio here), unless ``sender`` (a pseudonym) or the line has had its hour's
    deletions. Returns ``"queued"``, or which allowance is used up (``"sender"``, ``"line"``)."""
    job_id = token_id("media", message_sid)
    claimed = connection.script(queue.connection, _CLAIM)(
        keys=[keys.media_window(sender), keys.MEDIA_WINDOW_LINE],
        args=[f"{time.time():.6f}", MEDIA_WINDOW, config.media_deletions_per_sender_per_hour, config.media_deletions_per_hour, job_id],
    )
    if claimed.decode() != "queued":
        return claimed.decode()
    gaps = delivery.retry_schedule(config.followup_retry_seconds) if config.followup_retry_seconds > 0 else []
    queue.enqueue(
        delete_all,
        message_sid,
        media_sids,
        job_id=job_id,
        description="delete media",
        ttl=JOB_TTL,
        result_ttl=0,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(gaps), interval=gaps) if gaps else None,
    )
    return "queued"


def delete_all(message_sid: str, media_sids: list[str]) -> list[str]:
    """The RQ job: delete each item of one message, in order. Tried again whole (items
    already deleted answer 404, and are passed) while Twilio throttles or does not answer."""
    job = get_current_job()
    last_try = not job.retries_left if job else True
    return [delete(message_sid, media_sid, last_try=last_try) for media_sid in media_sids]


def delete(message_sid: str, media_sid: str, *, last_try: bool = True) -> str:
    """Delete one item. Raises ``TryAgain`` (RQ tries again after a gap) while Twilio
    throttles or does not answer, but for the last try."""
    try:
        deleted = delivery.current_outbox().sender.delete_media(message_sid, media_sid)
        outcome = "deleted" if deleted else "not deleted (no Twilio account configured)"
    except TwilioRestException as exc:
        if exc.status == NOT_FOUND:
            outcome = "already gone"
        elif (exc.status == 429 or exc.code == delivery.TOO_MANY_REQUESTS) and not last_try:
            # Not chained: Twilio's error names the item's address, SIDs and all, and RQ
            # logs the whole chain of a job to be tried again.
            raise delivery.TryAgain(f"{exc.status}/{exc.code}") from None
        else:
            outcome = f"not deleted ({exc.status}/{exc.code})"
    except requests.RequestException as exc:
        if not last_try:
            raise delivery.TryAgain(type(exc).__name__) from None
        outcome = f"not deleted ({type(exc).__name__})"
    (log.info if not outcome.startswith("not") else log.warning)("media: 1 item %s", outcome)
    return outcome
