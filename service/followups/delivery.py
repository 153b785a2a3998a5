"""Sending one follow-up: the worker's job, and what each answer from Twilio means.

The job sends at most once. Before it calls Twilio it claims the follow-up's
record with ``HSETNX sending``; a job that runs again (a crashed worker, a job
re-queued by hand) finds the claim and sends nothing. The claim is given back
only when we know nothing left this machine.

What each failure means, and so what we do:

- **429 / 20429, or no connection made** (refused, DNS, connect timeout, TLS):
  nothing was created at Twilio, so it is safe to try again. The job raises
  ``TryAgain`` and RQ retries it after a gap from ``retry_schedule``
  (exponential, jittered, spread over ``followup_retry_seconds``, about ten
  minutes). The last attempt records ``gave_up`` instead of raising.
- **5xx, a read timeout, a dropped connection, anything not understood**: Twilio
  may have created the message before failing to tell us. We do not retry and
  we do not look the message up first (finding it means listing messages to the
  number, and a list can lag behind a create); we record ``uncertain``. A caller
  who gets no text can ask again, and a safeguarding line must not text a
  number twice on a guess, so the claim stays.
- **21610** (the recipient texted STOP to our sender at the carrier): record the
  opt-out under the same key SMS STOP uses, so nothing is sent again.
- **other 4xx** (21211 invalid number, 21614 not a mobile, 21408 region not
  enabled, ...): retrying cannot help; record ``refused`` with the code.

The number travels in the job sealed (Fernet, keyed from ``SIGNPOST_SECRET_KEY``):
RQ copies a job's arguments into its logs' extra fields and its failed registry,
and a sealed number is no number there. Once the job ends, RQ deletes it
(``result_ttl=0``) and what remains is the record, keyed by hash, holding the
outcome and a code. Jobs return normally for every outcome but ``TryAgain``, so
none lands in RQ's failed registry; only a worker killed mid-job can leave one,
and ``FAILURE_TTL`` keeps that short.
"""

from __future__ import annotations

import logging
import random
import time
from enum import StrEnum

import requests
from cryptography.fernet import Fernet, InvalidToken
from rq import Queue, Retry, get_current_job
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from urllib3.exceptions import NewConnectionError

from service.config import Config
from service.line import Line
from service.state import keys
from service.state.keys import FAILURE_TTL, JOB_TTL, RECORD_TTL
from service.state.pseudonyms import sealer, short, token_id
from service.state.store import FOLLOWUP, opt_out
from service.twilio.sender import Sender, sender_for

log = logging.getLogger("signpost.followups")


class Delivered(StrEnum):
    """What became of a follow-up the worker took (kept in its record as ``outcome``)."""

    SENT = "sent"
    UNCERTAIN = "uncertain"  # Twilio may have it: never sent again on a guess
    REFUSED = "refused"  # Twilio said no, and trying again cannot help
    GAVE_UP = "gave_up"  # throttled or unreachable for the whole retry window
    OPTED_OUT = "opted_out"  # texted STOP after asking, or Twilio's 21610
    ALREADY_CLAIMED = "already_claimed"  # another run of the job has it


UNSUBSCRIBED = 21610
TOO_MANY_REQUESTS = 20429
# The worker waits on Redis; it is not answering a webhook.
WORKER_REDIS_TIMEOUT = 5.0


class TryAgain(Exception):
    """Nothing was sent and it may work later: RQ retries the job after a gap."""


def retry_schedule(window: int, rng: random.Random | None = None) -> list[int]:
    """Gaps in seconds between attempts: doubling from window/120 up to window/5,
    each scaled by a random 0.5-1.5 so that jobs throttled together do not come
    back together, and together about ``window`` long (10 minutes: 5, 10, 20 ...
    120 seconds)."""
    rng = rng or random.Random()
    gaps: list[int] = []
    gap, longest = window / 120, window / 5
    while sum(gaps) < window:
        jittered = max(1, round(gap * rng.uniform(0.5, 1.5)))
        gaps.append(min(jittered, max(1, window - sum(gaps))))
        gap = min(gap * 2, longest)
    return gaps


def seal(config: Config) -> Fernet:
    """The key that seals numbers in queued jobs, derived so it is not the hashing key itself."""
    return sealer(config.hash_key, b"followup-job")


def sealed_number(config: Config, to: str) -> str:
    return seal(config).encrypt(to.encode()).decode()


def enqueue(queue: Queue, to: str, body: str, *, followup: str, config: Config, topic: str, from_number: str = "") -> None:
    requeue(queue, sealed_number(config, to), body, followup=followup, config=config, topic=topic, from_number=from_number)


def requeue(queue: Queue, sealed: str, body: str, *, followup: str, config: Config, topic: str, from_number: str = "") -> None:
    """Queue the job for a number already sealed (the sweep has only the record's copy)."""
    gaps = retry_schedule(config.followup_retry_seconds) if config.followup_retry_seconds > 0 else []
    queue.enqueue(
        send,
        sealed,
        body,
        from_number,
        job_id=followup,
        # RQ would describe the job by its call, number included, in its logs.
        description=f"follow-up SMS ({topic})",
        ttl=JOB_TTL,
        result_ttl=0,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(gaps), interval=gaps) if gaps else None,
    )


def message_key(message_sid: str) -> str:
    """Where the delivery status of one sent message is kept (see ``service.web.status``)."""
    return keys.followup_message(token_id("message", message_sid))


def never_reached_twilio(exc: requests.RequestException) -> bool:
    """True when the request cannot have been sent: no connection was made."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)  # refused, unreachable, DNS


class Outbox:
    """What the worker needs to send: the Redis it records in, and a sender."""

    def __init__(self, line, sender: Sender):
        self.line = line
        self.sender = sender
        self.redis = line.store.redis
        self.seal = seal(line.config)

    @classmethod
    def from_config(cls, config: Config) -> Outbox:
        line = Line.start(config.with_(redis_timeout=WORKER_REDIS_TIMEOUT))
        return cls(line, sender_for(config))

    def deliver(self, followup: str, sealed: str, body: str, from_number: str = "", *, last_try: bool = True) -> Delivered:
        """Send the follow-up named ``followup`` (see ``asking.followup_id``) at most once."""
        key = keys.followup_record(followup)
        try:
            to = self.seal.decrypt(sealed.encode(), ttl=JOB_TTL).decode()
        except InvalidToken:
            # Sealed under another SIGNPOST_SECRET_KEY, or older than a job may be.
            return self._record(key, "-", Delivered.REFUSED, "unreadable")
        person = self.line.person(to)
        who = short(person)
        # HSETNX is the claim, atomic on its own. With replicas, the claim is on one of
        # them before the text goes: a failover that lost it would let the job, back in
        # the new primary's queue, send it again.
        store = self.line.store
        (claimed, _, opted_out), kept = store.confirmed(
            store.confirming(
                self.redis.pipeline(transaction=False)
                .hsetnx(key, "sending", f"{time.time():.0f}")
                .expire(key, RECORD_TTL)
                .exists(keys.optout(person))
            ).execute()
        )
        if claimed and not kept:
            log.warning("follow-up %s: no replica confirmed the claim; sending anyway", followup[:10])
        if not claimed:
            log.info("follow-up %s to=%s: already sent or being sent, not sending again", followup[:10], who)
            return Delivered.ALREADY_CLAIMED
        if opted_out:
            # Texted STOP after asking, while the job waited.
            return self._record(key, who, Delivered.OPTED_OUT)
        try:
            sid = self.sender.send(to, body, from_number)
        except (TwilioRestException, TwilioServiceException) as exc:
            return self._refused(key, who, exc.status, exc.code, person, last_try)
        except requests.RequestException as exc:
            reason = type(exc).__name__
            if never_reached_twilio(exc):
                return self._try_again(key, who, reason, last_try)
            return self._record(key, who, Delivered.UNCERTAIN, reason)
        except Exception as exc:  # noqa: BLE001 - not understood: maybe sent, so never retried
            return self._record(key, who, Delivered.UNCERTAIN, type(exc).__name__)
        message = message_key(sid)
        self.redis.pipeline().hset(message, "followup", followup).expire(message, RECORD_TTL).execute()
        return self._record(key, who, Delivered.SENT, message=message.rsplit(":", 1)[1])

    def _refused(self, key, who, status, code, person, last_try) -> Delivered:
        status, code = int(status or 0), int(code or 0)
        if status == 429 or code == TOO_MANY_REQUESTS:
            return self._try_again(key, who, f"{status}/{code}", last_try)
        if status >= 500:
            return self._record(key, who, Delivered.UNCERTAIN, f"{status}/{code}")
        if code == UNSUBSCRIBED:
            opt_out(self.redis, person)
            return self._record(key, who, Delivered.OPTED_OUT, str(code))
        return self._record(key, who, Delivered.REFUSED, f"{status}/{code}")

    def _try_again(self, key, who, reason, last_try) -> Delivered:
        self.redis.hdel(key, "sending")
        if last_try:
            return self._record(key, who, Delivered.GAVE_UP, reason)
        log.info("follow-up to=%s: not sent (%s), will try again", who, reason)
        # Not chained to the error being handled: RQ logs the whole chain, and the error's
        # own words are Twilio's, addresses included.
        raise TryAgain(reason) from None

    def _record(self, key, who, outcome: Delivered, why: str = "", message: str = "") -> Delivered:
        fields = {"outcome": outcome, "why": why, "at": f"{time.time():.0f}"}
        if message:
            fields["message"] = message
        # An outcome is final: the record's sealed number, kept for the sweep, goes.
        _, _, pack, _, _ = (
            self.redis.pipeline()
            .hset(key, mapping=fields)
            .expire(key, RECORD_TTL)
            .hget(key, "pack")
            .hdel(key, "sealed")
            .zrem(keys.FOLLOWUPS_WAITING, key.rsplit(":", 1)[1])
            .execute()
        )
        log.info("follow-up to=%s: %s%s", who, outcome, f" ({why})" if why else "")
        self._count(pack, outcome, why)
        return outcome

    def _count(self, pack: bytes | None, outcome: Delivered, why: str) -> None:
        """Count the outcome in the day of the pack it was asked on (a refusal by Twilio's
        error code), and a failure among the last hour's delivery errors."""
        field = f"{FOLLOWUP}:{outcome}"
        if outcome == Delivered.REFUSED and why:
            field += ":" + why.rpartition("/")[2]
        store = self.line.store
        store.count_event(pack.decode() if pack else self.line.pack.id, field)
        if outcome in (Delivered.UNCERTAIN, Delivered.REFUSED, Delivered.GAVE_UP):
            store.note_error("delivery")


_outbox: Outbox | None = None


def install(outbox: Outbox | None) -> None:
    """Give the jobs in this process their outbox (the worker does, before it starts)."""
    global _outbox
    _outbox = outbox


def current_outbox() -> Outbox:
    """This process's outbox; a plain `rq worker` configures one from the environment."""
    global _outbox
    if _outbox is None:
        _outbox = Outbox.from_config(Config.from_env())
    return _outbox


def send(sealed: str, body: str, from_number: str = "") -> str:
    """The RQ job. Its id names the follow-up; its retries say if this is the last try.
    ``from_number``: the line that was called, when it is not the default one."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("send runs as an RQ job")
    return current_outbox().deliver(job.id, sealed, body, from_number, last_try=not job.retries_left)
