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
limit, follow-up outcomes, where calls ended and which pages callers asked to have
texted). The webhooks' scripts count their events in the same
round trip as the turn; the rest count through ``Store.count_event``. The console
and ``signpost stats`` read them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass

import redis

from flows.model import Reply, Session
from flows.hours import UK
from service.state import connection, keys, scripts
from service.state.keys import CALL_LIMIT, ERROR_WINDOW, HEALTH_TTL, OPTIN_TTL, REPLY_WINDOW, STATS_TTL, VOICE_REPLAY_TTL

# The events counted per pack and day, as ``channel:event`` fields of ``keys.events``.
# Follow-up fields add what happened after a colon: ``followup:refused:21211``.
CONVERSATION, OPT_OUT, OPT_IN, FOLLOWUP = "conversation", "opt_out", "opt_in", "followup"
# Texts held back with no page: the texter's hour of replies, all texters abroad's, the line's.
FLOODED, FLOODED_ABROAD, BUSY = "flooded", "flooded_abroad", "busy"
# Calls: ``voice:ended:<place>`` where a caller hung up, ``voice:text:<page>`` the page
# a caller asked to have texted, ``voice:through:<page>`` the page a caller was put
# through to a helpline from.
CALL_ENDED, TEXT_ASKED, PUT_THROUGH = "ended", "text", "through"
# How a put-through ended (``voice:through_ended:<DialCallStatus>``): whether the helpline answered.
PUT_THROUGH_ENDED = "through_ended"

# The longest the line waits for a replica to confirm an opt-out or a follow-up (a
# replica answers within a round trip; one that does not is lagging or gone).
CONFIRM_TIMEOUT_MS = 100


def uk_today() -> dt.date:
    """Counts are kept by the day as the line's users live it, not the server's zone."""
    return dt.datetime.now(UK).date()


# Eviction policies (Redis's maxmemory-policy) and what they would do to the line.
# allkeys-*: any key may go when memory is full, opt-outs (kept without a TTL) among
# them, so a number that texted STOP could be texted again. volatile-*: only keys
# with a TTL, but those include the follow-up caps' windows, so a full Redis could
# let a number past its cap. noeviction: a full Redis refuses writes instead, the
# webhooks answer as they do when Redis is away, and nothing is forgotten.
UNSAFE_EVICTION = "allkeys-"
RISKY_EVICTION = "volatile-"


class NotKept(redis.RedisError):
    """Written to the primary, but no replica confirmed it in time: a failover now would lose it."""


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
        log.warning("could not read Redis's maxmemory-policy (%s): the line needs noeviction; check it with your Redis provider", exc)
        return None
    except redis.RedisError as exc:
        log.warning("could not read Redis's maxmemory-policy (%s): Redis is not answering", type(exc).__name__)
        return None
    policy = policy.decode() if isinstance(policy, bytes) else policy
    if policy and policy.startswith(UNSAFE_EVICTION):
        raise EvictionPolicyError(
            f"Redis's maxmemory-policy is {policy}: it can evict keys without a TTL, such as "
            "opt-outs, so a number that texted STOP could be texted again. Set it to noeviction."
        )
    if policy and policy.startswith(RISKY_EVICTION):
        log.warning(
            "Redis's maxmemory-policy is %s: a full Redis would evict keys with a TTL, "
            "follow-up allowance windows among them; the line needs noeviction",
            policy,
        )
    return policy


def opt_out(client: redis.Redis, person: str, at: float | None = None) -> None:
    """Record an opt-out that did not come through a webhook's script (Twilio's 21610)."""
    at = time.time() if at is None else at
    pipe = client.pipeline()
    pipe.set(keys.optout(person), f"{at:.6f}")
    pipe.delete(keys.optin(person))
    pipe.execute()


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
    given), ``flooded`` (no reply) or ``busy`` (the line's hourly ceiling: ``node`` says
    so once an hour, else is empty). node: the page to send, ``""`` for none.
    """

    status: str
    node: str
    effect: str = ""
    kept: bool = True  # False: a replica was asked to confirm the turn's writes, and did not
    line_sent: int = 0  # what the whole line was sent in the last hour, this turn's message included
    texter_sent: int = 0  # ... and this texter (abroad: all texters abroad)


class Store:
    def __init__(self, client: redis.Redis, session_ttl: int, dedupe_ttl: int, *, replicas_to_confirm: int = 0):
        self.redis = client
        self.session_ttl = session_ttl
        self.dedupe_ttl = dedupe_ttl
        # How many replicas must hold a write the line cannot lose (an opt-out, a queued
        # follow-up) before it counts as kept: see ``confirm``.
        self.replicas_to_confirm = replicas_to_confirm
        self._answer = connection.script(client, scripts.ANSWER)
        self._claim = connection.script(client, scripts.CLAIM)
        self._call_ended = connection.script(client, scripts.CALL_ENDED)
        self._replay = connection.script(client, scripts.REPLAY)

    @staticmethod
    def encode_outcomes(outcomes: dict[str, tuple[Reply, Session]]) -> str:
        """``flows.sms.outcomes`` as the answer script reads them: {menu: [node, session, effect]}."""
        return json.dumps(
            {menu: [reply.node, _session_json(session), reply.effect or ""] for menu, (reply, session) in outcomes.items()},
            separators=(",", ":"),
        )

    def answer(
        self,
        turn: Turn,
        outcomes: str,
        *,
        number_id: str,
        reply_limit: int,
        line_limit: int,
        busy: str,
        day: dt.date | None = None,
        now: float | None = None,
        confirm: bool = False,
    ) -> Answer:
        """One SMS turn in one round trip (see the module docstring); ``outcomes`` encoded.
        ``now``: the time an opt-out or opt-in is recorded at. ``confirm``: the turn may
        change an opt-out, so say whether a replica has it (``Answer.kept``). ``line_limit``:
        the pages the whole line may send in the hour; ``busy``: the node that says so."""
        day = day or uk_today()
        now = time.time() if now is None else now
        (status, node, *rest), kept = self.kept(
            self._answer,
            confirm=confirm,
            keys=[
                turn.delivery_key,
                turn.session_key,
                keys.optout(number_id),
                keys.stats(turn.pack, day),
                turn.replies_key,
                keys.events(turn.pack, day),
                keys.optin(number_id),
                keys.LINE_REPLIES,
                keys.busy_notice(turn.person),
            ],
            args=[
                "1" if turn.delivery else "0",
                self.dedupe_ttl,
                self.session_ttl,
                STATS_TTL,
                REPLY_WINDOW,
                reply_limit,
                outcomes,
                turn.channel,
                f"{now:.6f}",
                OPTIN_TTL,
                line_limit,
                busy,
                "1" if turn.abroad else "0",
            ],
        )
        effect = rest[0].decode() if rest else ""
        line_sent, texter_sent = (int(rest[1]) + bool(node), int(rest[2]) + bool(node)) if len(rest) > 2 else (0, 0)
        return Answer(status.decode(), node.decode(), effect, kept=kept, line_sent=line_sent, texter_sent=texter_sent)

    def claim(
        self,
        turn: Turn,
        answer: str,
        *,
        counted: str = "",
        event: str = "",
        place: str | None = None,
        day: dt.date | None = None,
    ) -> str | None:
        """Claim this delivery with its answer and count the visit (and ``event``:
        ``CONVERSATION`` when a call begins), unless an earlier delivery of it already
        has: then return that answer, and count nothing.

        ``place``: the menu or page the call is now hearing, kept until Twilio reports
        the call ended (``call_ended``); ``""`` when the line itself ends the call or
        puts it through, so that its end is not counted as a caller hanging up there."""
        day = day or uk_today()
        result = self._claim(
            keys=[turn.delivery_key, keys.stats(turn.pack, day), keys.events(turn.pack, day), keys.call_place(turn.person)],
            args=[
                "1" if turn.delivery else "0",
                answer,
                VOICE_REPLAY_TTL,
                f"{turn.channel}:{counted}" if counted else "",
                STATS_TTL,
                f"{turn.channel}:{event}" if event else "",
                "-" if place is None else place,
                CALL_LIMIT,
            ],
        )
        return result.decode() if result is not None else None

    def call_ended(self, call: str, pack: str, day: dt.date | None = None) -> str | None:
        """Count where a call was when it ended (``voice:ended:<place>``), once: the place
        it was last heard at, or None when the line ended it or the report came before."""
        place = self._call_ended(
            keys=[keys.call_place(call), keys.events(pack, day or uk_today())], args=[f"voice:{CALL_ENDED}:", STATS_TTL]
        )
        return place.decode() if place is not None else None

    def answered(self, turn: Turn) -> str | None:
        """The answer claimed by an earlier delivery of this turn, if any."""
        if not turn.delivery:
            return None
        earlier = self.redis.get(turn.delivery_key)
        return earlier.decode() if isinstance(earlier, bytes) else None

    def count_event(self, pack: str, field: str, day: dt.date | None = None) -> None:
        """Count one event (``followup:sent``, ...) in the pack's day, outside a webhook's script."""
        key = keys.events(pack, day or uk_today())
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(key, field, 1)
        pipe.expire(key, STATS_TTL)
        pipe.execute()

    def note_error(self, kind: str, now: float | None = None) -> None:
        """Remember that an error of ``kind`` happened now (the console counts the last hour's)."""
        now = time.time() if now is None else now
        key = keys.errors(kind)
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(key, {f"{now:.6f}:{os.urandom(4).hex()}": now})
        pipe.zremrangebyscore(key, "-inf", now - ERROR_WINDOW)
        pipe.expire(key, 2 * ERROR_WINDOW)
        pipe.execute()

    def errors_since(self, kind: str, since: float) -> int:
        return int(self.redis.zcount(keys.errors(kind), since, "+inf"))

    def sent_in_the_last_hour(self, turn: Turn, now: float) -> tuple[int, int]:
        """The replies sent to this texter (or, abroad, to all texters abroad) and by the
        whole line in the last hour: reads only, so a Redis that refuses writes still
        answers, and the web processes' own caps can start from them."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcount(turn.replies_key, now - REPLY_WINDOW, "+inf")
        pipe.zcount(keys.LINE_REPLIES, now - REPLY_WINDOW, "+inf")
        texter, line = pipe.execute()
        return int(texter), int(line)

    def count_sent(self, sent: list[tuple[str, str, float]]) -> None:
        """Count in the reply windows what a machine sent while Redis could not count it
        (``(id, replies key, time)``: service.state.local_caps), so the hour after an outage
        holds it too. Each is named by its id, so counting one twice counts it once."""
        pipe = self.redis.pipeline(transaction=False)
        for name, key, at in sent:
            member = f"{at:.6f}:{name}"
            for window in (key, keys.LINE_REPLIES) if key else (keys.LINE_REPLIES,):
                pipe.zadd(window, {member: at})
                pipe.expire(window, REPLY_WINDOW)
        pipe.execute()

    def opted_out(self, number_id: str) -> bool:
        """Present while opted out; its value is the time of the STOP."""
        return bool(self.redis.exists(keys.optout(number_id)))

    def replay_opt_changes(self, changes: list[tuple[float, str, str, str]]) -> int:
        """Apply journalled (time, effect, person, delivery key or "") changes, each only if
        newer than the person's last change and its delivery not already on record;
        return how many were applied."""
        if not changes:
            return 0
        script_keys: list[str] = []
        args: list[str | int] = [OPTIN_TTL]
        for at, effect, person, delivery in changes:
            script_keys += [keys.optout(person), keys.optin(person), delivery or keys.delivery("journal", None)]
            args += [effect, f"{at:.6f}", "1" if delivery else "0"]
        applied, kept = self.kept(self._replay, script_keys, args)
        if not kept:
            raise NotKept(f"{len(changes)} opt-out changes applied but not yet on a replica")
        return int(applied)

    def kept(self, script, keys: list, args: list, *, confirm: bool = True):
        """Run ``script`` and return (its result, whether a replica holds what it wrote).

        Replication is asynchronous: a primary that dies a millisecond after answering
        takes what it had not yet sent with it, and the replica promoted in its place
        never saw it. For the few writes that must not be lost (an opt-out, a queued
        follow-up) ``WAIT`` follows the script on the same connection, in the same round
        trip (WAIT counts the writes of its own connection only). Without replicas to
        confirm (one Redis), or when ``confirm`` is false, the script runs alone and
        counts as kept."""
        if not (confirm and self.replicas_to_confirm):
            return script(keys=keys, args=args), True
        pipe = self.redis.pipeline(transaction=False)
        script(keys=keys, args=args, client=pipe)
        (result,), kept = self.confirmed(self.confirming(pipe).execute())
        return result, kept

    def confirming(self, pipe):
        """Add to a pipeline (not a transaction: WAIT inside MULTI cannot wait) what
        ``confirmed`` reads: the node's replicas, then WAIT for one of them."""
        if self.replicas_to_confirm:
            pipe.execute_command("ROLE").execute_command("WAIT", self.replicas_to_confirm, CONFIRM_TIMEOUT_MS)
        return pipe

    def confirmed(self, results: list) -> tuple[list, bool]:
        """A ``confirming`` pipeline's results: (the rest of them, whether they are kept).
        A primary with no replica attached has nothing to confirm with, and no replica
        without its writes that could be promoted (a replica that attaches later copies
        everything): kept, as with one Redis. min-replicas-to-write makes such a primary
        refuse writes instead (see docs/deployment.md)."""
        if not self.replicas_to_confirm:
            return results, True
        *results, role, acked = results
        attached = len(role[2]) if role and role[0] in (b"master", "master") else 0
        return results, int(acked) >= min(self.replicas_to_confirm, attached)

    def health(self) -> str:
        """``ok`` when Redis is a primary that takes a write; else what is wrong:
        ``unreachable``, ``replica`` (demoted: PING alone would still answer) or
        ``refusing writes`` (full, or fewer replicas than min-replicas-to-write)."""
        try:
            role, _ = (
                self.redis.pipeline(transaction=False)
                .execute_command("ROLE")
                .set(keys.HEALTH, f"{time.time():.0f}", ex=HEALTH_TTL)
                .execute()
            )
        except redis.ReadOnlyError:
            return "replica"
        except redis.ResponseError:
            return "refusing writes"
        except redis.ConnectionError as exc:
            return "replica" if "replica" in str(exc) or "slave" in str(exc) else "unreachable"
        except redis.RedisError:
            return "unreachable"
        return "ok" if role and role[0] in (b"master", "master") else "replica"
