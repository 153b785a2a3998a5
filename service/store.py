"""Sessions, webhook dedupe, opt-outs and counts in Redis.

Two round trips per webhook, each atomic where it matters:

1. ``begin``: one MGET of the stored answer for this delivery (a Twilio retry), the
   session and the replies sent this hour. The reply depends on the session, so the session has to be read
   before the flow can decide; nothing else needs to be.
2. ``commit``: one Lua script that claims the delivery with ``SET NX`` and, only if
   the claim is ours, writes the session, the opt-out and the count. A duplicate
   that raced us gets the answer the winner stored, so both answers are the same
   and the state changes once. There is no check-then-set anywhere. (The flood
   limit is read in 1 and counted in 2, so a burst of simultaneous messages can
   pass it by a few; it bounds cost, it is not a security boundary.)

Every key holding a person's state is named by an HMAC of their number (see
``privacy``); no value holds a number or a message body.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from flows.model import Session

PREFIX = "signpost:"
STATS_TTL = 400 * 24 * 60 * 60  # a year of daily counts, and a month to spare
REPLY_WINDOW = 60 * 60  # the flood limit counts replies in an hour from the first

_COMMIT = """
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then
    return redis.call('GET', KEYS[1])
  end
end
if ARGV[4] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
end
if ARGV[6] == 'opt_out' then
  redis.call('SET', KEYS[3], '1')
elseif ARGV[6] == 'opt_in' then
  redis.call('DEL', KEYS[3])
end
if ARGV[7] ~= '' then
  redis.call('HINCRBY', KEYS[4], ARGV[7], 1)
  redis.call('EXPIRE', KEYS[4], ARGV[8])
end
if ARGV[9] ~= '0' then
  if redis.call('INCR', KEYS[5]) == 1 then
    redis.call('EXPIRE', KEYS[5], ARGV[9])
  end
end
return false
"""


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


@dataclass(frozen=True)
class Turn:
    """One webhook's keys: whose session, which delivery, which pack."""

    channel: str
    person: str  # HMAC of the phone number, or of the CallSid for a call
    delivery: str | None  # a hash of the idempotency key, None when Twilio sent none
    pack: str

    @property
    def session_key(self) -> str:
        return f"{PREFIX}session:{self.channel}:{self.person}"

    @property
    def delivery_key(self) -> str:
        return f"{PREFIX}delivery:{self.channel}:{self.delivery or 'none'}"

    @property
    def replies_key(self) -> str:
        """Replies sent to this person in the current hour (the flood limit)."""
        return f"{PREFIX}replies:{self.channel}:{self.person}"


@dataclass(frozen=True)
class Begun:
    """What ``begin`` read: an earlier answer to this delivery, the session, the hour's replies."""

    answer: str | None
    session: Session
    replies_this_hour: int


class Store:
    def __init__(self, client: redis.Redis, session_ttl: int, dedupe_ttl: int):
        self.redis = client
        self.session_ttl = session_ttl
        self.dedupe_ttl = dedupe_ttl
        self._commit = client.register_script(_COMMIT)

    @staticmethod
    def optout_key(number_id: str) -> str:
        return f"{PREFIX}optout:{number_id}"

    @staticmethod
    def stats_key(pack: str, day: dt.date) -> str:
        return f"{PREFIX}stats:{pack}:{day.isoformat()}"

    def begin(self, turn: Turn) -> Begun:
        stored, raw, replies = self.redis.mget(turn.delivery_key, turn.session_key, turn.replies_key)
        replies = int(replies or 0)
        if stored is not None and turn.delivery:
            return Begun(stored.decode(), Session(channel=turn.channel), replies)
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return Begun(None, Session.from_dict(data, channel=turn.channel), replies)

    def commit(
        self,
        turn: Turn,
        answer: str,
        session: Session | None,
        *,
        number_id: str = "",
        effect: str | None = None,
        counted: str = "",
        day: dt.date | None = None,
        replied: bool = False,
    ) -> str | None:
        """Claim this delivery and save its effects; return the earlier answer if we lost."""
        day = day or dt.date.today()
        result = self._commit(
            keys=[
                turn.delivery_key,
                turn.session_key,
                self.optout_key(number_id) if number_id else f"{PREFIX}optout:none",
                self.stats_key(turn.pack, day),
                turn.replies_key,
            ],
            args=[
                "1" if turn.delivery else "0",
                answer,
                self.dedupe_ttl,
                json.dumps(session.to_dict(), separators=(",", ":")) if session else "",
                self.session_ttl,
                effect if number_id and effect else "",
                f"{turn.channel}:{counted}" if counted else "",
                STATS_TTL,
                REPLY_WINDOW if replied else 0,
            ],
        )
        return result.decode() if result is not None else None

    def opted_out(self, number_id: str) -> bool:
        return bool(self.redis.exists(self.optout_key(number_id)))

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False
