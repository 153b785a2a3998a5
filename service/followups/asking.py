"""Follow-up SMS: queued by a webhook, sent by the worker (never inside a webhook).

``request`` is what the voice line calls when a caller asks for a text. It answers
at once with what will happen, so the caller can be told: one Lua script decides
(already asked? opted out? over a cap?) and claims, so two webhooks racing each
other cannot both pass a check, and a retried webhook neither queues again nor
uses up the caller's allowance.

Caps, against SMS pumping fraud (bots, or one caller keying number after number, to
have texts sent to numbers that pay per message), all in any sliding window, none
passable by racing webhooks:

- a call: ``followups_per_call`` texts (2);
- a number texted: ``followups_per_number_per_day`` in 24 hours (3);
- the whole line: ``followups_per_hour`` (100): past it the caller hears the line is busy.

There is no allowance per calling number: anyone can call with a victim's number as their
caller ID, and the texts left to them would tell whether that number had asked for one
today. For the same reason every ask is counted against the call's and the line's caps
before the number asked for is looked at, and kept on record, whether it is queued, the
number opted out or had its texts for the day: neither the texts the rest of the call can
ask for nor the line being busy may tell anything of that number.

Windows are sorted sets of follow-up ids by time, so no burst at a window's edge
doubles them. The caller hears one neutral answer for queued, opted out and over an
allowance alike (see ``flows.voice.OUTCOMES``).

Everything kept is keyed by hash: the record of a follow-up by a hash of its job
id, the per-number window by the number's HMAC. The number is only in the queued job
(see ``delivery``) and in the follow-up's record, sealed in both, until it is sent or
``keys.JOB_TTL`` has passed. The record holds it so that a job a Redis failover lost
can be queued again from the record (see ``sweep``); with replicas to confirm, the
record is on a replica before the caller hears the text is on its way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from rq import Queue

from flows.model import FollowUp, FollowUpOutcome
from flows.phones import classify
from service.followups import delivery
from service.state import connection, keys
from service.state.keys import FOLLOWUP_CALL_WINDOW, FOLLOWUP_LINE_WINDOW, FOLLOWUP_NUMBER_WINDOW, RECORD_TTL
from service.state.pseudonyms import short, token_id
from service.state.store import FOLLOWUP

log = logging.getLogger("signpost.followups")

# KEYS: record, opt-out, number window, line window, call window, waiting
# ARGV: now, number cap, line cap, number window, line window, follow-up id, person,
#       record ttl, call cap, call window, pack id, sealed number, topic, sender
_REQUEST = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
local now = tonumber(ARGV[1])
local function full(key, window, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(window))
  return redis.call('ZCARD', key) >= tonumber(cap)
end
local function add(key, window)
  redis.call('ZADD', key, now, ARGV[6])
  redis.call('EXPIRE', key, window)
end
-- The call's and the line's caps first, and every ask past them counted against both,
-- whatever the number asked for: what the rest of the call may ask, and whether the line
-- is busy, must not depend on that number (see the module docstring).
if full(KEYS[5], ARGV[10], ARGV[9]) then return 'capped' end
if full(KEYS[4], ARGV[5], ARGV[3]) then return 'busy' end
add(KEYS[4], ARGV[5])
add(KEYS[5], ARGV[10])
local outcome = 'queued'
if redis.call('EXISTS', KEYS[2]) == 1 then
  outcome = 'opted_out'
elseif full(KEYS[3], ARGV[4], ARGV[2]) then
  outcome = 'capped'
end
if outcome ~= 'queued' then
  -- On record, with no number kept, so the same ask again is a duplicate either way.
  redis.call('HSET', KEYS[1], 'outcome', outcome, 'person', ARGV[7], 'at', ARGV[1], 'pack', ARGV[11])
  redis.call('EXPIRE', KEYS[1], ARGV[8])
  return outcome
end
add(KEYS[3], ARGV[4])
redis.call('HSET', KEYS[1], 'outcome', 'queued', 'person', ARGV[7], 'at', ARGV[1], 'pack', ARGV[11],
           'sealed', ARGV[12], 'topic', ARGV[13], 'from', ARGV[14])
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[6], ARGV[1], ARGV[6])
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


def request(
    line,
    followup: FollowUp,
    *,
    job_id: str,
    pack=None,
    called: str = "",
    call: str = "",
    at: dt.datetime | None = None,
) -> FollowUpOutcome:
    """Queue one follow-up; say how it went (QUEUED, DUPLICATE, NOT_ALLOWED, OPTED_OUT,
    CAPPED or BUSY).

    ``call`` names the call asking (its pseudonym; by default the job).

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
    # As it reads at ``at`` (the call's time; now by default): sent in a minute or two,
    # it names a helpline open then when those it names are closed.
    body = pack.sms_page(followup.topic, at or dt.datetime.now(dt.timezone.utc))
    number = classify(followup.number, pack.region)
    if not number.textable(line.config.allowed_regions):
        log.info("follow-up not allowed topic=%s kind=%s region=%s", followup.topic, number.kind, number.region or "-")
        count(line, pack, FollowUpOutcome.NOT_ALLOWED)
        return FollowUpOutcome.NOT_ALLOWED
    person = line.person(number.e164)
    config = line.config
    from_number = line.own_number(called)
    result, kept = line.store.kept(
        connection.script(line.store.redis, _REQUEST),
        keys=[
            record_key(job_id),
            keys.optout(person),
            keys.followup_window(person),
            keys.FOLLOWUP_LINE_WINDOW_KEY,
            keys.followup_call_window(call or followup_id(job_id)),
            keys.FOLLOWUPS_WAITING,
        ],
        args=[
            f"{time.time():.6f}",
            config.followups_per_number_per_day,
            config.followups_per_hour,
            FOLLOWUP_NUMBER_WINDOW,
            FOLLOWUP_LINE_WINDOW,
            followup_id(job_id),
            person,
            RECORD_TTL,
            config.followups_per_call,
            FOLLOWUP_CALL_WINDOW,
            pack.id,
            delivery.sealed_number(config, number.e164),
            followup.topic,
            from_number,
        ],
    )
    outcome = FollowUpOutcome(result.decode())
    if outcome == FollowUpOutcome.QUEUED and not kept:
        # The record may yet be lost with the primary; the caller is told it is on its
        # way all the same, as it most likely is (and the line said so before replicas).
        log.warning("follow-up %s queued, but no replica confirmed it in time", followup_id(job_id)[:10])
    if outcome == FollowUpOutcome.QUEUED:
        try:
            delivery.enqueue(
                queue(line), number.e164, body, followup=followup_id(job_id), config=config, topic=followup.topic, from_number=from_number
            )
        except Exception:
            # The claim without a job would turn the webhook's retry into DUPLICATE
            # and the caller would get nothing: give the claim back.
            given_back = line.store.redis.pipeline().delete(record_key(job_id)).zrem(keys.FOLLOWUPS_WAITING, followup_id(job_id))
            for window in (
                keys.followup_window(person),
                keys.FOLLOWUP_LINE_WINDOW_KEY,
                keys.followup_call_window(call or followup_id(job_id)),
            ):
                given_back.zrem(window, followup_id(job_id))
            given_back.execute()
            raise
    log.info("follow-up %s topic=%s to=%s", outcome, followup.topic, short(person))
    if outcome != FollowUpOutcome.DUPLICATE:
        count(line, pack, outcome)
    return outcome


def count(line, pack, outcome: FollowUpOutcome) -> None:
    """Count what became of an ask, for the console. A failed count must not fail the
    ask: the caller would be told the text cannot be sent when it was queued."""
    try:
        line.store.count_event(pack.id, f"{FOLLOWUP}:{outcome}")
    except Exception:  # noqa: BLE001
        log.warning("follow-up %s not counted", outcome)
