"""Follow-up SMS: queued by a webhook, sent by the worker (never inside a webhook).

``request`` is what the voice line calls when a caller asks for a text. It answers
at once with what will happen, so the caller can be told.
"""

from __future__ import annotations

import logging

from rq import Queue

from flows.model import FollowUp
from flows.phones import classify
from service.privacy import short

log = logging.getLogger("signpost.followups")

QUEUE = "followups"
JOB_TTL = 24 * 60 * 60  # a job (and the number in it) never outlives a day

QUEUED, DUPLICATE, NOT_ALLOWED = "queued", "duplicate", "not_allowed"


def queue(line) -> Queue:
    return Queue(QUEUE, connection=line.store.redis)


def request(line, followup: FollowUp, *, job_id: str) -> str:
    """Queue one follow-up; return QUEUED, DUPLICATE or NOT_ALLOWED."""
    number = classify(followup.number, line.pack.region)
    if not number.textable(line.config.allowed_regions):
        return NOT_ALLOWED
    q = queue(line)
    if q.fetch_job(job_id) is not None:
        return DUPLICATE
    body = line.pack.sms_pages[followup.topic]
    q.enqueue(send, number.e164, body, job_id=job_id, ttl=JOB_TTL, result_ttl=0, failure_ttl=JOB_TTL)
    log.info("follow-up queued topic=%s to=%s", followup.topic, short(line.person(number.e164)))
    return QUEUED


def send(to: str, body: str) -> None:
    """The worker's job: send one SMS. (Sending is done by the worker; see README.)"""
    raise NotImplementedError("follow-up sending is not built yet")
