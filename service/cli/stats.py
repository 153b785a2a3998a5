"""``signpost stats``: how often each menu item was shown, per day and channel.

Reads the counters the webhooks keep as they answer (``Store.answer`` for texts, ``Store.claim`` for calls): one Redis
hash a pack a day, one field a channel and item. They hold counts only - no
phone number, no pseudonym, no message - so nothing here can identify anyone.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from dataclasses import dataclass

import redis

from service.config import Config, ConfigError
from service.state import connection, keys
from service.state.store import uk_today

COLUMNS = ("day", "pack", "channel", "item", "count")
# Reading counts is not a webhook: it may wait a little for Redis.
REDIS_TIMEOUT = 5.0


@dataclass(frozen=True, order=True)
class Count:
    day: dt.date
    pack: str
    channel: str
    item: str
    count: int


def daily_counts(client: redis.Redis, days: int, today: dt.date, pack: str | None = None) -> list[Count]:
    """Every count from the ``days`` days up to ``today``, oldest first."""
    wanted = {today - dt.timedelta(days=n) for n in range(days)}
    counts = []
    for raw_key in client.scan_iter(match=keys.STATS_PATTERN, count=500):
        named = keys.stats_day(raw_key.decode())
        if named is None:
            continue
        pack_id, day = named
        if day not in wanted or (pack and pack_id != pack):
            continue
        for field, value in client.hgetall(raw_key).items():
            channel, _, item = (field.decode() if isinstance(field, bytes) else field).partition(":")
            counts.append(Count(day, pack_id, channel, item, int(value)))
    return sorted(counts)


def write_table(counts: list[Count], out) -> None:
    rows = [COLUMNS] + [(c.day.isoformat(), c.pack, c.channel, c.item, str(c.count)) for c in counts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths)] + [row[-1].rjust(widths[-1])]
        print("  ".join(cells), file=out)


def write_csv(counts: list[Count], out) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for c in counts:
        writer.writerow([c.day.isoformat(), c.pack, c.channel, c.item, c.count])


def cmd_stats(args: argparse.Namespace) -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"signpost: {exc}", file=sys.stderr)
        return 2
    client = connection.client(config, timeout=REDIS_TIMEOUT)
    try:
        counts = daily_counts(client, args.days, uk_today(), args.pack)
    except redis.RedisError as exc:
        print(f"signpost: cannot read counts from Redis ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    if args.csv:
        write_csv(counts, sys.stdout)
    elif counts:
        write_table(counts, sys.stdout)
    else:
        print(f"No counts in the last {args.days} day{'' if args.days == 1 else 's'}.")
    return 0


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return days


def register(commands) -> None:
    stats = commands.add_parser("stats", help="anonymous counts of what was shown, per day and channel")
    stats.add_argument("--days", type=_days, default=7, metavar="N", help="the last N days, today included (default 7)")
    stats.add_argument("--csv", action="store_true", help="CSV instead of a table")
    stats.add_argument("--pack", metavar="ID", help="one pack's counts only")
    stats.set_defaults(handler=cmd_stats)
