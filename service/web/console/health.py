"""The health page: can the line serve, and is the follow-up worker keeping up.

Read with the web process's own Redis client (short timeouts), so that while
Redis is away this page still opens at once and says so.
"""

from __future__ import annotations

import datetime as dt
import time

import redis
from flask import current_app, render_template
from rq import Queue, Worker

from flows.hours import UK
from service.web.console import reviews
from service.web.console.blueprint import bp
from service.web.console.counts import day_name
from service.state.keys import FOLLOWUP_QUEUE as QUEUE
from service.twilio.sender import can_send

HOUR = 60 * 60


def pack_version(pack) -> str:
    """A short digest of the pack's files: two deployments serve the same content when it agrees."""
    return reviews.version(pack) or reviews.digest(pack.path)


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    seconds = int((dt.datetime.now(dt.timezone.utc) - moment).total_seconds())
    ago = f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"
    local = moment.astimezone(UK)
    return f"{day_name(local.date())}, {local:%H:%M} UK time ({ago})"  # dates written as on every page


def reason(exc: redis.RedisError) -> str:
    """Why Redis did not answer, in words (the exception's name is in the log)."""
    if isinstance(exc, redis.TimeoutError):
        return "it did not answer in time"
    if isinstance(exc, redis.ConnectionError):
        return "it cannot be reached"
    return "it refused the request"


def redis_health(line) -> dict:
    client = line.store.redis
    found: dict = {"reachable": False}
    try:
        client.ping()
    except redis.RedisError as exc:
        found["error"] = reason(exc)
        return found
    found["reachable"] = True
    try:
        found["policy"] = client.config_get("maxmemory-policy").get("maxmemory-policy", "?")
        found["save"] = client.config_get("save").get("save") or "off"
    except redis.ResponseError:  # managed Redis often disables CONFIG
        found["policy"] = found["save"] = "not readable (CONFIG is disabled on this Redis)"
    info = client.info("persistence")
    found["aof"] = "on" if info.get("aof_enabled") else "off"
    found["rdb"] = (
        f"last save {when(dt.datetime.fromtimestamp(info['rdb_last_save_time'], dt.timezone.utc))}, "
        f"{info.get('rdb_changes_since_last_save', 0)} changes since; last background save "
        f"{info.get('rdb_last_bgsave_status', '?')}"
    )
    queue = Queue(QUEUE, connection=client)
    found["queued"] = queue.count
    oldest = queue.get_jobs(0, 1)
    found["oldest"] = when(oldest[0].enqueued_at) if oldest else "none waiting"
    found["scheduled"] = queue.scheduled_job_registry.count
    workers = Worker.all(connection=client, queue=queue)
    found["workers"] = [{"name": w.name, "state": w.get_state(), "heartbeat": when(w.last_heartbeat)} for w in workers]
    beats = [w.last_heartbeat for w in workers if w.last_heartbeat]
    found["last_heartbeat"] = when(max(beats)) if beats else "never"
    since = time.time() - HOUR
    found["webhook_errors"] = line.store.errors_since("webhook", since)
    found["delivery_errors"] = line.store.errors_since("delivery", since)
    return found


@bp.get("/health")
def health():
    line = current_app.extensions["signpost"]
    try:
        found = redis_health(line)
    except redis.RedisError as exc:
        found = {"reachable": False, "error": reason(exc)}
    packs = [{"id": p.id, "name": p.name, "version": pack_version(p), "review_by": p.review_by} for p in line.every_pack]
    return render_template("console/health.html", redis=found, packs=packs, sends=can_send(line.config)), 200 if found["reachable"] else 503
