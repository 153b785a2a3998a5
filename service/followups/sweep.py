"""Queue again the follow-ups a Redis failover lost the job of.

A follow-up is two writes: its record (by the request script, and on a replica before
the caller hears "on its way" when there are replicas to confirm) and its RQ job (by
RQ's enqueue, a moment later). A primary that dies between them, or before the job
reached a replica, leaves a record that says ``queued`` and no job: nobody would ever
send it, and the caller was told it was coming. The record holds the number sealed,
the topic, the pack and the sender, so the job can be made again from it.

Each worker sweeps every ``followup_sweep_seconds``; a lock lets one of them do it per
interval. A follow-up is left alone while it is younger than ``GRACE`` (its enqueue
may be on its way), while its job is queued, scheduled or being worked on (a job popped
by a worker that died before starting it is in none of these, and is queued again), and
once a worker has claimed it
(``sending``: it may have gone, and is never sent twice on a guess). Past ``JOB_TTL`` it
is given up, and the sealed number dropped, as the job itself would have expired.
"""

from __future__ import annotations

import datetime as dt

import logging
import time

from rq.job import Job
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from service.followups import delivery
from service.followups.asking import queue
from service.state import keys
from service.state.keys import JOB_TTL

log = logging.getLogger("signpost.followups")

# Long enough for a webhook's enqueue to follow its record, even on a loaded machine.
GRACE = 10.0


def sweep(line, *, interval: float | None = None, now: float | None = None) -> int:
    """Queue again every follow-up that is waiting with no job; return how many.
    With ``interval``, only if no other worker swept in the last ``interval`` seconds."""
    client = line.store.redis
    if interval is not None and not client.set(keys.FOLLOWUP_SWEEP_LOCK, "1", nx=True, ex=max(1, int(interval) - 1)):
        return 0
    now = time.time() if now is None else now
    waiting = client.zrangebyscore(keys.FOLLOWUPS_WAITING, "-inf", now - GRACE)
    followups = queue(line)
    requeued = 0
    for raw in waiting:
        followup = raw.decode()
        record = {k.decode(): v.decode() for k, v in client.hgetall(keys.followup_record(followup)).items()}
        if record.get("outcome") != "queued" or not record.get("sealed"):
            client.zrem(keys.FOLLOWUPS_WAITING, followup)  # finished, or its record is gone
        elif float(record.get("at", 0)) < now - JOB_TTL:
            give_up(client, followup, "expired")
        elif "sending" in record or (client.exists(Job.key_for(followup)) and not stranded(client, followups, followup)):
            continue  # a worker has it, or RQ still does
        elif requeue(line, followups, followup, record):
            requeued += 1
    if requeued:
        log.warning("sweep: %d follow-up(s) had lost their job (a Redis failover?) and were queued again", requeued)
    return requeued


def stranded(client, followups, followup: str) -> bool:
    """Whether RQ holds the job but nowhere a worker takes it from or works on it: popped
    from the queue by a worker that died before starting it (RQ records a job as started
    only once it starts), so no worker would ever send it."""
    if client.lpos(followups.key, followup) is not None:
        return False
    registries = (StartedJobRegistry, ScheduledJobRegistry, DeferredJobRegistry)
    return all(client.zscore(registry(queue=followups).key, followup) is None for registry in registries)


def requeue(line, followups, followup: str, record: dict[str, str]) -> bool:
    pack = next((p for p in line.every_pack if p.id == record.get("pack")), None)
    topic = record.get("topic", "")
    # As it reads now, naming a helpline open now when those it names are closed.
    body = pack.sms_page(topic, dt.datetime.now(dt.timezone.utc)) if pack and topic in pack.sms_pages else None
    if body is None:
        give_up(line.store.redis, followup, "pack changed")  # the page it asked for is no more
        return False
    delivery.requeue(
        followups, record["sealed"], body, followup=followup, config=line.config, topic=record["topic"], from_number=record.get("from", "")
    )
    log.info("sweep: follow-up %s queued again", followup[:10])
    return True


def give_up(client, followup: str, why: str) -> None:
    key = keys.followup_record(followup)
    (
        client.pipeline()
        .hset(key, mapping={"outcome": delivery.Delivered.GAVE_UP, "why": why})
        .hdel(key, "sealed")
        .zrem(keys.FOLLOWUPS_WAITING, followup)
        .execute()
    )
