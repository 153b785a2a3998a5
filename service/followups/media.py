"""Pictures and videos sent to the line are deleted from the Twilio account by the worker.

Twilio keeps the media of a message (MMS, WhatsApp) in the account until it is
deleted. The line never fetches it: the webhook reads only ``NumMedia`` and the
text of each ``MediaUrlN``, whose last part is the Media SID, and queues one job
an item. The worker then asks Twilio's REST API to delete it (the Message Media
resource: ``DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}.json``),
with the follow-up job's retry rules (see ``delivery``): throttled (429) or not
answered, it tries again on the same schedule, for up to ``followup_retry_seconds``;
404 means the item is gone already; any other answer cannot be helped by trying
again, and is logged. Unlike a text, a delete is safe to repeat, so a request that
may have reached Twilio is tried again too, and a retried webhook that queues the
same items again costs a request each, nothing else.

Only counts are logged: never a SID or a URL.
"""

from __future__ import annotations

import logging

import requests
from rq import Queue, Retry, get_current_job
from twilio.base.exceptions import TwilioRestException

from service.config import Config
from service.followups import delivery
from service.state.keys import FAILURE_TTL, JOB_TTL
from service.state.pseudonyms import token_id

log = logging.getLogger("signpost.media")

NOT_FOUND = 404


def enqueue(queue: Queue, message_sid: str, media_sids: list[str], config: Config) -> None:
    """Queue the deletion of each of a message's media (the webhook calls this; nothing
    is asked of Twilio here). One job an item, so each is retried on its own."""
    gaps = (delivery.retry_schedule(config.followup_retry_seconds)
            if config.followup_retry_seconds > 0 else [])
    for media_sid in media_sids:
        queue.enqueue(
            delete, message_sid, media_sid,
            job_id=token_id("media", message_sid, media_sid),
            description="delete media",
            ttl=JOB_TTL,
            result_ttl=0,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=len(gaps), interval=gaps) if gaps else None,
        )


def delete(message_sid: str, media_sid: str) -> str:
    """The RQ job: delete one item. Raises ``TryAgain`` (RQ tries again after a gap)
    while Twilio throttles or does not answer, but for the last try."""
    job = get_current_job()
    last_try = not job.retries_left if job else True
    try:
        deleted = delivery.current_outbox().sender.delete_media(message_sid, media_sid)
        outcome = "deleted" if deleted else "not deleted (no Twilio account configured)"
    except TwilioRestException as exc:
        if exc.status == NOT_FOUND:
            outcome = "already gone"
        elif (exc.status == 429 or exc.code == delivery.TOO_MANY_REQUESTS) and not last_try:
            raise delivery.TryAgain(f"{exc.status}/{exc.code}") from exc
        else:
            outcome = f"not deleted ({exc.status}/{exc.code})"
    except requests.RequestException as exc:
        if not last_try:
            raise delivery.TryAgain(type(exc).__name__) from exc
        outcome = f"not deleted ({type(exc).__name__})"
    (log.info if not outcome.startswith("not") else log.warning)("media: 1 item %s", outcome)
    return outcome
