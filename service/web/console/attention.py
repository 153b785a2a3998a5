"""What needs someone to act: the health page's problems and the review page's items,
as short sentences, shown on the summary and in every page's header while any stands.

Made for every page, so it is a handful of quick Redis reads (the web process's own
short-timeout client) and the review report made at start-up (``reviews``): never
the pack check itself.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import redis
from rq import Queue, Worker

from service.state import keys
from service.state.keys import FOLLOWUP_QUEUE
from service.state.store import BUSY, FLOODED_ABROAD, uk_today
from service.twilio.sender import can_send
from service.web.console.counts import MEASURES, UNANSWERED, day_name
from service.web.console import reviews
from service.web.console.review import SOON

HOUR = 60 * 60
QUEUE_LATE = 5 * 60  # a follow-up waiting longer than this is late: the caller expects it in seconds
# Eviction policies that never evict a key without a TTL (opt-outs have none).
KEEPS_OPT_OUTS = ("noeviction", "volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random")


# How serious an item is, most first: the list is read from the top, and the header shows
# only the first. People getting no answer, or an opt-out at risk, come before texts not
# going out, which come before texts that failed, content that is wrong or out of date,
# and last what can be planned for.
UNANSWERED_NOW, NOT_SENDING, FAILED, PLAN = range(4)


@dataclass(frozen=True)
class Item:
    text: str
    endpoint: str  # the page that says more
    anchor: str = ""
    rank: int = NOT_SENDING

    @property
    def urgent(self) -> bool:
        """The line is failing people now, rather than something to plan for."""
        return self.rank < PLAN


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def line_problems(line) -> list[Item]:
    """From Redis and the follow-up queue: what the health page would flag."""
    client = line.store.redis
    try:
        client.ping()
    except redis.RedisError:
        return [
            Item(
                "The line's store cannot be reached: counts cannot be read, and opt-outs are kept on disk until it is back.",
                "console.health",
                "redis-h",
                rank=UNANSWERED_NOW,
            )
        ]
    found = []
    try:
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy", "")
        saves = client.config_get("save").get("save") or ""
    except redis.ResponseError:  # managed Redis often disables CONFIG: it persists on its own terms
        policy, saves = "", "managed"
    aof = client.info("persistence").get("aof_enabled")
    if not saves and not aof:
        found.append(
            Item(
                "The line's store is not set to save to disk: after a restart, opt-outs and counts since its "
                "last save would be lost. Whoever runs the line can turn saving on.",
                "console.health",
                "redis-h",
                rank=PLAN,
            )
        )
    if policy and policy not in KEEPS_OPT_OUTS:
        found.append(
            Item("The line's store may delete opt-outs when its memory is full.", "console.health", "redis-h", rank=UNANSWERED_NOW)
        )
    queue = Queue(FOLLOWUP_QUEUE, connection=client)
    waiting = queue.count
    # As the health page counts them: a worker whose heartbeat has lapsed (stopped, paused,
    # killed) is no longer listed, though RQ's count of registered workers still has it.
    if not Worker.all(connection=client, queue=queue):
        found.append(
            Item(
                "Nothing is sending the follow-up texts callers ask for" + (f": {plural(waiting, 'text')} waiting." if waiting else "."),
                "console.health",
                "queue-h",
            )
        )
    elif waiting:
        oldest = queue.get_jobs(0, 1)
        if oldest and oldest[0].enqueued_at:
            enqueued = oldest[0].enqueued_at.replace(tzinfo=dt.timezone.utc)
            late = (dt.datetime.now(dt.timezone.utc) - enqueued).total_seconds()
            if late > QUEUE_LATE:
                found.append(
                    Item(f"Follow-up texts are late: the oldest has waited {int(late // 60)} minutes.", "console.health", "queue-h")
                )
    if not can_send(line.config):
        found.append(
            Item(
                "No Twilio account is set, so the follow-up texts callers ask for are not sent to anyone.",
                "console.health",
                "queue-h",
            )
        )
    found += unanswered_today(line, client)
    since = time.time() - HOUR
    delivery = line.store.errors_since("delivery", since)
    if delivery:
        found.append(
            Item(
                f"{plural(delivery, 'follow-up text')} could not be delivered in the last hour.", "console.usage", "followups", rank=FAILED
            )
        )
    webhook = line.store.errors_since("webhook", since)
    if webhook:
        found.append(
            Item(
                f"The line met {plural(webhook, 'error')} answering texts or calls in the last hour "
                "(each still got the 999 line and the menu).",
                "console.health",
                "queue-h",
                rank=UNANSWERED_NOW,
            )
        )
    return found


# Texts held back by a ceiling of the whole line, not by one number's flood: people who
# may have needed an answer got none. The setting of each ceiling, for whoever runs the line.
CEILINGS = {FLOODED_ABROAD: "SIGNPOST_SMS_REPLIES_ABROAD_PER_HOUR", BUSY: "SIGNPOST_SMS_REPLIES_LINE_PER_HOUR"}


def unanswered_today(line, client) -> list[Item]:
    pipe = client.pipeline(transaction=False)
    for pack in line.every_pack:
        pipe.hgetall(keys.events(pack.id, uk_today()))
    held: dict[str, int] = {}
    for events in pipe.execute():
        for field, value in events.items():
            why = field.decode().partition(":")[2]
            if why in CEILINGS:
                held[why] = held.get(why, 0) + int(value)
    return [
        Item(
            f"Today {plural(n, 'text')} got no answer because {UNANSWERED[MEASURES[why]]}: if these were real people, "
            f"whoever runs the line can raise {CEILINGS[why]}.",
            "console.usage",
            "flooded",
            rank=UNANSWERED_NOW,
        )
        for why, n in held.items()
    ]


def content_items(line, today: dt.date) -> list[Item]:
    """From each pack's review report: what a person must check."""
    found = []
    for pack in line.every_pack:
        report = reviews.report(pack)
        if report is None:
            continue
        overdue = [day for day, _ in report.review_by if day < today]
        # A review date months away needs nothing yet: only one due within a month is listed.
        soon = [day for day, _ in report.review_by if today <= day <= today + dt.timedelta(days=SOON)]
        if overdue:
            found.append(
                Item(
                    f"{pack.name}: {plural(len(overdue), 'review date')} passed, the first on {day_name(min(overdue))}.",
                    "console.review",
                    "confirm-h",
                    rank=FAILED,
                )
            )
        if soon:
            found.append(
                Item(f"{pack.name}: a review of the content is due by {day_name(min(soon))}.", "console.review", "confirm-h", rank=PLAN)
            )
        if report.to_confirm:
            found.append(
                Item(
                    f"{pack.name}: {plural(len(report.to_confirm), 'detail')} to confirm against "
                    f"where {'it' if len(report.to_confirm) == 1 else 'they'} came from.",
                    "console.review",
                    "confirm-h",
                    rank=PLAN,
                )
            )
        if report.errors:
            found.append(
                Item(f"{pack.name}: {plural(len(report.errors), 'mistake')} in the content.", "console.review", "warnings-h", rank=FAILED)
            )
    return found


def needs_attention(line, today: dt.date) -> list[Item]:
    try:
        problems = line_problems(line)
    except redis.RedisError:
        problems = [Item("The line's store did not answer in time.", "console.health", "redis-h", rank=UNANSWERED_NOW)]
    found = problems + content_items(line, today)
    return sorted(found, key=lambda item: item.rank)  # the most serious first; ties as found
