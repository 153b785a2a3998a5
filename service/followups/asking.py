"""Follow-up SMS: queued by a webhook, sent by the worker (never inside a webhook).

``request`` is what the voice line calls when a caller asks for a text. It answers
at once with what will happen, so the caller can be told: one Lua script decides
(already asked? opted out? over a cap?) and claims, so two webhooks racing each
other cannot both pass a check, and a retried webhook neither queues again nor
uses up the caller's allowance.

Caps, against SMS pumping fraud (bots "asking" for texts to premium or foreign
numbers, paid per message): at most ``followups_per_number_per_day`` per number in
any 24 hours, and ``followups_per_hour`` for the whole line in any hour. Both are
sliding windows (sorted sets of follow-up ids by time), so no burst at a window's
edge doubles them.

Everything kept is keyed by hash: the record of a follow-up by a hash of its job
id, the per-number window by the number's HMAC. The raw number is only in the
queued job (see ``delivery``), which expires after ``keys.JOB_TTL``.
"""

from __future__ import annotations

import logging
import time

from rq import Queue

from flows.model import FollowUp, FollowUpOutcome
from flows.phones import classify
from service.followups import delivery
from service.state import keys
from service.state.keys import FOLLOWUP_LINE_WINDOW, FOLLOWUP_NUMBER_WINDOW, RECORD_TTL
from service.state.pseudonyms import short, token_id

log = logging.getLogger("signpost.followups")

_REQUEST = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'opted_out' end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then return 'capped' end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then return 'capped' end
redis.call('ZADD', KEYS[3], now, ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], now, ARGV[6])
redis.call('EXPIRE', KEYS[4], ARGV[5])
redis.call('HSET', KEYS[1], 'outcome', 'queued', 'person', ARGV[7], 'at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[8])
return 'queued'
"""


def followup_id(job_id: str) -> str:
    """The hash that names a follow-up: its RQ job id (RQ allows only [A-Za-z0-9_-], and
    a caller's id may hold anything) and the name of everything recorded about it."""
    return token_id("followup", job_id)


def record_key(job_id: str) -> str:
    return keys.followup_record(followup_id(job_id))


def queue(line) -> Queue:
    return Queue(keys.FOLLOWUP_QUEUE, connection=line.store.redis)


def request(line, followup: FollowUp, *, job_id: str, pack=None, called: str = "") -> FollowUpOutcome:
    """Queue one follow-up; say how it went (QUEUED, DUPLICATE, NOT_ALLOWED, OPTED_OUT or CAPPED).

    Fast enough for a webhook: one script, then RQ's enqueue; nothing is sent here. ``job_id``
    must be the same for a retried webhook (e.g. the CallSid and the step). Redis
    errors are raised (nothing was queued); the caller decides what to say. ``pack`` is
    the pack of the number that was called (default: the line's default pack).

    ``called`` is the line's number the caller rang. When it is one with a pack of its
    own (``SIGNPOST_PACKS``) the text comes from it, so that "text MENU to this number"
    reaches that partnership's menu, not the default one.
    """
    pack = pack or line.pack
    body = pack.sms_pages[followup.topic]  # an unknown topic is a bug: fail loudly
    number = classify(followup.number, pack.region)
    if not number.textable(line.config.allowed_regions):
        log.info("follow-up not allowed topic=%s kind=%s region=%s",
                 followup.topic, number.kind, number.region or "-")
        return FollowUpOutcome.NOT_ALLOWED
    person = line.person(number.e164)
    config = line.config
    outcome = FollowUpOutcome(line.store.redis.eval(
        _REQUEST, 4,
        record_key(job_id), keys.optout(person), keys.followup_window(person), keys.FOLLOWUP_LINE_WINDOW_KEY,
        f"{time.time():.6f}", config.followups_per_number_per_day, config.followups_per_hour,
        FOLLOWUP_NUMBER_WINDOW, FOLLOWUP_LINE_WINDOW, followup_id(job_id), person, RECORD_TTL,
    ).decode())
    if outcome == FollowUpOutcome.QUEUED:
        try:
            delivery.enqueue(queue(line), number.e164, body, followup=followup_id(job_id),
                             config=config, topic=followup.topic,
                             from_number=line.own_number(called))
        except Exception:
            # The claim without a job would turn the webhook's retry into DUPLICATE
            # and the caller would get nothing: give the claim back.
            (line.store.redis.pipeline()
             .delete(record_key(job_id))
             .zrem(keys.followup_window(person), followup_id(job_id))
             .zrem(keys.FOLLOWUP_LINE_WINDOW_KEY, followup_id(job_id))
             .execute())
            raise
    log.info("follow-up %s topic=%s to=%s", outcome, followup.topic, short(person))
    return outcome
