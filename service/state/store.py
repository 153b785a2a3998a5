"""Sessions, webhook dedupe, opt-outs, counts and the flood limit, in Redis.

An SMS turn is ONE round trip (``answer``): the pure flow has already decided the
reply for every menu the texter could be in (``flows.sms.outcomes``), and one Lua
script reads the session, picks the outcome that applies, claims the delivery,
saves the session, records an opt-out, counts the visit and applies the hourly
reply limit - atomically, so a retried delivery gets the identical answer and the
state changes once, with no check-then-set anywhere.

A voice turn is one round trip too (``claim``): the call's state travels in the
step URL (see ``service.twilio.call_state``), so nothing is read first. The script claims the
delivery with ``SET NX``, storing the answer, and counts the visit only if the
claim is ours; a duplicate, even one that raced, gets the winner's answer.

Every key holding a person's state is named by an HMAC of their number (see
``pseudonyms``); no value holds a number or a message body.

Two kinds of daily count, both per pack, hashes of counts only: ``keys.stats``
counts what was shown (``sms:steps``, ``voice:main``), ``keys.events`` what
happened (conversations begun, opt-outs and opt-ins, texts held back by the flood
limit, follow-up outcomes). The webhooks' scripts count their events in the same
round trip as the turn; the rest count through ``Store.count_event``. The console
and ``signpost stats`` read them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from flows.model import Reply, Session
from service.state import keys
from service.state.keys import ERROR_WINDOW, REPLY_WINDOW, STATS_TTL, VOICE_REPLAY_TTL

# The events counted per pack and day, as ``channel:event`` fields of ``keys.events``.
# Follow-up fields add what happened after a colon: ``followup:refused:21211``.
CONVERSATION, OPT_OUT, OPT_IN, FLOODED, FOLLOWUP = "conversation", "opt_out", "opt_in", "flooded", "followup"

UK = ZoneInfo("Europe/London")


def uk_today() -> dt.date:
    """Counts are kept by the day as the line's users live it, not the server's zone."""
    return dt.datetime.now(UK).date()


# Save the session, apply the opt-out, count the visit.
_EFFECTS = """
local function count(key, field, ttl)
  redis.call('HINCRBY', key, field, 1)
  redis.call('EXPIRE', key, ttl)
end

local function effects(session_key, session, session_ttl, optout_key, effect, stats_key, field, stats_ttl,
                       events_key, channel)
  if session == '' then
    redis.call('DEL', session_key)
  else
    redis.call('SET', session_key, session, 'EX', session_ttl)
  end
  if effect == 'opt_out' then
    redis.call('SET', optout_key, '1')
    count(events_key, channel .. ':opt_out', stats_ttl)
  elseif effect == 'opt_in' then
    redis.call('DEL', optout_key)
    count(events_key, channel .. ':opt_in', stats_ttl)
  end
  if field ~= '' then
    count(stats_key, field, stats_ttl)
  end
end
"""

# KEYS: delivery, session, optout, stats, replies, events
# ARGV: has delivery, dedupe ttl, session ttl, stats ttl, reply window, reply limit,
#       outcomes as JSON {menu: [node, session json, effect]}, channel
# The answer stored for a retried delivery is the node shown ('' when flooded): the
# pages themselves are fixed for the life of the process. An outcome with no page
# ('': Twilio answered STOP, START or HELP itself) is neither counted nor a reply.
_ANSWER = _EFFECTS + """
if ARGV[1] == '1' then
  local earlier = redis.call('GET', KEYS[1])
  if earlier then return {'repeat', earlier} end
end
local menu = ''
local raw = redis.call('GET', KEYS[2])
if not raw then
  -- No session: this text begins a conversation (or one after 30 quiet minutes).
  count(KEYS[6], ARGV[8] .. ':conversation', ARGV[4])
end
if raw then
  local ok, data = pcall(cjson.decode, raw)
  if ok and type(data) == 'table' and type(data.menu) == 'string' then menu = data.menu end
end
local outcomes = cjson.decode(ARGV[7])
local chosen = outcomes[menu] or outcomes['']
local flooded = tonumber(redis.call('GET', KEYS[5]) or '0') >= tonumber(ARGV[6])
local node = chosen[1]
if flooded then node = '' end
if ARGV[1] == '1' then
  redis.call('SET', KEYS[1], node, 'EX', ARGV[2])
end
local counted = ''
if chosen[1] ~= '' then counted = ARGV[8] .. ':' .. chosen[1] end
effects(KEYS[2], chosen[2], ARGV[3], KEYS[3], chosen[3], KEYS[4], counted, ARGV[4], KEYS[6], ARGV[8])
if flooded then
  count(KEYS[6], ARGV[8] .. ':flooded', ARGV[4])
  return {'flooded', node, chosen[3]}
end
if chosen[1] == '' then
  return {'answered', node, chosen[3]}
end
if redis.call('INCR', KEYS[5]) == 1 then
  redis.call('EXPIRE', KEYS[5], ARGV[5])
end
return {'answered', node, chosen[3]}
"""

# KEYS: delivery, stats, events
# ARGV: has delivery, answer, dedupe ttl, stats field, stats ttl, event field
_CLAIM = """
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then
    return redis.call('GET', KEYS[1])
  end
end
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
if ARGV[6] ~= '' then
  redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
return false
"""


# Eviction policies (Redis's maxmemory-policy) and what they would do to the line.
# allkeys-*: any key may go when memory is full, opt-outs (kept without a TTL) among
# them, so a number that texted STOP could be texted again. volatile-*: only keys
# with a TTL, but those include the follow-up caps' windows, so a full Redis could
# let a number past its cap. noeviction: a full Redis refuses writes instead, the
# webhooks answer as they do when Redis is away, and nothing is forgotten.
UNSAFE_EVICTION = "allkeys-"
RISKY_EVICTION = "volatile-"


class EvictionPolicyError(RuntimeError):
    """Redis may evict keys the line must never lose."""


def check_eviction_policy(client: redis.Redis, log) -> str | None:
    """Read Redis's ``maxmemory-policy``: raise on an ``allkeys-*`` policy, warn on a
    ``volatile-*`` one. A Redis that cannot be asked (down, or CONFIG disabled, as on
    some managed services) gets a warning: the line still starts. Returns the policy
    when it was read."""
    try:
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.ResponseError as exc:
        log.warning("could not read Redis's maxmemory-policy (%s): the line needs noeviction; "
                    "check it with your Redis provider", exc)
        return None
    except redis.RedisError as exc:
        log.warning("could not read Redis's maxmemory-policy (%s): Redis is not answering", type(exc).__name__)
        return None
    policy = policy.decode() if isinstance(policy, bytes) else policy
    if policy and policy.startswith(UNSAFE_EVICTION):
        raise EvictionPolicyError(
            f"Redis's maxmemory-policy is {policy}: it can evict keys without a TTL, such as "
            "opt-outs, so a number that texted STOP could be texted again. Set it to noeviction.")
    if policy and policy.startswith(RISKY_EVICTION):
        log.warning("Redis's maxmemory-policy is %s: a full Redis would evict keys with a TTL, "
                    "follow-up allowance windows among them; the line needs noeviction", policy)
    return policy


def connect(url: str, timeout: float) -> redis.Redis:
    """A client that fails fast: short timeouts and no retries on the webhook path."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=0,
    )


def _session_json(session: Session | None) -> str:
    return json.dumps(session.to_dict(), separators=(",", ":")) if session else ""


@dataclass(frozen=True)
class Turn:
    """One webhook's keys: whose turn, which delivery, which pack."""

    channel: str
    person: str  # HMAC of the phone number, or of the CallSid for a call
    delivery: str | None  # a hash of the idempotency key, None when Twilio sent none
    pack: str
    abroad: bool = False  # a texter outside the regions the line texts: one shared count

    @property
    def session_key(self) -> str:
        return keys.session(self.channel, self.pack, self.person)

    @property
    def delivery_key(self) -> str:
        return keys.delivery(self.channel, self.delivery)

    @property
    def replies_key(self) -> str:
        return keys.replies_abroad(self.channel, self.pack) if self.abroad else keys.replies(self.channel, self.person)


@dataclass(frozen=True)
class Answer:
    """What an SMS turn came to.

    status: ``answered``, ``repeat`` (a retried delivery: ``node`` is what it was
    given) or ``flooded`` (no reply). node: the page to send, ``""`` for none.
    """

    status: str
    node: str
    effect: str = ""


class Store:
    def __init__(self, client: redis.Redis, session_ttl: int, dedupe_ttl: int):
        self.redis = client
        self.session_ttl = session_ttl
        self.dedupe_ttl = dedupe_ttl
        self._answer = client.register_script(_ANSWER)
        self._claim = client.register_script(_CLAIM)

    @staticmethod
    def encode_outcomes(outcomes: dict[str, tuple[Reply, Session]]) -> str:
        """``flows.sms.outcomes`` as the answer script reads them: {menu: [node, session, effect]}."""
        return json.dumps(
            {menu: [reply.node, _session_json(session), reply.effect or ""]
             for menu, (reply, session) in outcomes.items()},
            separators=(",", ":"),
        )

    def answer(
        self,
        turn: Turn,
        outcomes: str,
        *,
        number_id: str,
        reply_limit: int,
        day: dt.date | None = None,
    ) -> Answer:
        """One SMS turn in one round trip (see the module docstring); ``outcomes`` encoded."""
        day = day or uk_today()
        status, node, *rest = self._answer(
            keys=[turn.delivery_key, turn.session_key, keys.optout(number_id),
                  keys.stats(turn.pack, day), turn.replies_key, keys.events(turn.pack, day)],
            args=["1" if turn.delivery else "0", self.dedupe_ttl, self.session_ttl, STATS_TTL,
                  REPLY_WINDOW, reply_limit, outcomes, turn.channel],
        )
        return Answer(status.decode(), node.decode(), *(v.decode() for v in rest))

    def claim(self, turn: Turn, answer: str, *, counted: str = "", event: str = "",
              day: dt.date | None = None) -> str | None:
        """Claim this delivery with its answer and count the visit (and ``event``:
        ``CONVERSATION`` when a call begins), unless an earlier delivery of it already
        has: then return that answer, and count nothing."""
        day = day or uk_today()
        result = self._claim(
            keys=[turn.delivery_key, keys.stats(turn.pack, day), keys.events(turn.pack, day)],
            args=["1" if turn.delivery else "0", answer, VOICE_REPLAY_TTL,
                  f"{turn.channel}:{counted}" if counted else "", STATS_TTL,
                  f"{turn.channel}:{event}" if event else ""],
        )
        return result.decode() if result is not None else None

    def answered(self, turn: Turn) -> str | None:
        """The answer claimed by an earlier delivery of this turn, if any."""
        if not turn.delivery:
            return None
        earlier = self.redis.get(turn.delivery_key)
        return earlier.decode() if earlier is not None else None

    def count_event(self, pack: str, field: str, day: dt.date | None = None) -> None:
        """Count one event (``followup:sent``, ...) in the pack's day, outside a webhook's script."""
        key = keys.events(pack, day or uk_today())
        self.redis.pipeline(transaction=False).hincrby(key, field, 1).expire(key, STATS_TTL).execute()

    def note_error(self, kind: str, now: float | None = None) -> None:
        """Remember that an error of ``kind`` happened now (the console counts the last hour's)."""
        now = time.time() if now is None else now
        key = keys.errors(kind)
        (self.redis.pipeline(transaction=False)
         .zadd(key, {f"{now:.6f}:{os.urandom(4).hex()}": now})
         .zremrangebyscore(key, "-inf", now - ERROR_WINDOW)
         .expire(key, 2 * ERROR_WINDOW)
         .execute())

    def errors_since(self, kind: str, since: float) -> int:
        return int(self.redis.zcount(keys.errors(kind), since, "+inf"))

    def opted_out(self, number_id: str) -> bool:
        return bool(self.redis.exists(keys.optout(number_id)))

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False
