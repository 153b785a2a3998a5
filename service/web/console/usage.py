"""The usage page: what the line was used for, read from the counters the webhooks keep.

Two hashes a pack a day (see ``service.store``): ``stats`` (pages shown, by channel
and item) and ``events`` (conversations begun, opt-outs and opt-ins, texts held
back by the flood limit, follow-up outcomes). Counts only: nothing here can
identify anyone. The CSV export is the same table the page ends with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

import redis
from flask import Response, current_app, render_template, request

from flows.model import Channel
from service.web.console.blueprint import bp
from service.web.console.charts import bar_chart
from service.state import keys
from service.state.store import CONVERSATION, FLOODED, FOLLOWUP, OPT_IN, OPT_OUT, uk_today

DEFAULT_DAYS = 7
MAX_DAYS = 400  # the counters are kept about this long
YEARS = (2000, 2099)  # the days a filter may name (the simulator's clock keeps to these too)
# Every channel the flows know: a new one (WhatsApp) gets its own bars and columns.
CHANNELS = tuple(channel.value for channel in Channel)
CHANNEL_NAMES = {c: {"sms": "SMS", "whatsapp": "WhatsApp"}.get(c, c.capitalize()) for c in CHANNELS}
COLUMNS = ("day", "pack", "measure", "channel", "item", "count")
SHOWN_ROWS = 1000  # of every count, on the page; the CSV has them all
# What a field of the events hash counts, as the table names it.
MEASURES = {CONVERSATION: "conversations", OPT_OUT: "opt-outs", OPT_IN: "opt-ins", FLOODED: "flood-limited"}


@dataclass(frozen=True, order=True)
class Row:
    day: dt.date
    pack: str
    measure: str  # pages, conversations, opt-outs, opt-ins, flood-limited, follow-ups
    channel: str
    item: str
    count: int


@dataclass(frozen=True)
class Filter:
    start: dt.date
    end: dt.date
    pack: str  # "" for every pack

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @classmethod
    def from_args(cls, args, packs: list[str], today: dt.date) -> tuple[Filter, list[str]]:
        """The filter the query asks for, and what was wrong with it (corrected)."""
        problems = []

        def day(name: str, default: dt.date) -> dt.date:
            raw = args.get(name, "")
            if not raw:
                return default
            try:
                chosen = dt.date.fromisoformat(raw)
            except ValueError:
                problems.append(f"'{raw}' is not a date (YYYY-MM-DD); showing {default.isoformat()}.")
                return default
            # Counters exist for years near ours; and a week before year 1 there is no day.
            if not YEARS[0] <= chosen.year <= YEARS[1]:
                problems.append(f"'{raw}' is outside {YEARS[0]} to {YEARS[1]}; showing {default.isoformat()}.")
                return default
            return chosen

        end = day("to", today)
        start = day("from", end - dt.timedelta(days=DEFAULT_DAYS - 1))
        if start > end:
            problems.append("The first day was after the last: they have been swapped.")
            start, end = end, start
        if (end - start).days >= MAX_DAYS:
            start = end - dt.timedelta(days=MAX_DAYS - 1)
            problems.append(f"At most {MAX_DAYS} days at a time: showing the last {MAX_DAYS}.")
        pack = args.get("pack", "")
        if pack and pack not in packs:
            problems.append("That pack is not served here: showing every pack.")
            pack = ""
        return cls(start, end, pack), problems


def read_rows(client: redis.Redis, wanted: Filter, packs: list[str]) -> list[Row]:
    """Every count in the filter's days and packs, in one round trip."""
    chosen = [wanted.pack] if wanted.pack else packs
    asked = [(day, pack) for day in wanted.days for pack in chosen]
    pipe = client.pipeline(transaction=False)
    for day, pack in asked:
        pipe.hgetall(keys.stats(pack, day))
        pipe.hgetall(keys.events(pack, day))
    answers = pipe.execute()
    rows = []
    for n, (day, pack) in enumerate(asked):
        for field, value in answers[2 * n].items():
            channel, _, item = field.decode().partition(":")
            rows.append(Row(day, pack, "pages", channel, item, int(value)))
        for field, value in answers[2 * n + 1].items():
            channel, _, event = field.decode().partition(":")
            if channel == FOLLOWUP:
                rows.append(Row(day, pack, "follow-ups", "sms", event, int(value)))
            elif event in MEASURES:
                rows.append(Row(day, pack, MEASURES[event], channel, "", int(value)))
    return sorted(rows)


def summed(rows: list[Row], key) -> dict:
    totals: dict = defaultdict(int)
    for row in rows:
        totals[key(row)] += row.count
    return totals


@dataclass(frozen=True)
class Periods:
    """What the charts over time count by: days for a month or so, then weeks, then
    months, so that a year is twelve bars a series rather than four hundred."""

    unit: str  # day, week or month

    @classmethod
    def for_range(cls, wanted: Filter) -> Periods:
        days = len(wanted.days)
        return cls("day" if days <= 31 else "week" if days <= 26 * 7 else "month")

    def start(self, day: dt.date) -> dt.date:
        if self.unit == "week":
            return day - dt.timedelta(days=day.weekday())
        if self.unit == "month":
            return day.replace(day=1)
        return day

    def of(self, wanted: Filter) -> list[dt.date]:
        return sorted({self.start(d) for d in wanted.days})

    def label(self, start: dt.date) -> str:
        """For the chart: short, and saying which period."""
        return {"day": f"{start:%a %d %b}", "week": f"Week of {start:%d %b}", "month": f"{start:%b %Y}"}[self.unit]

    def key(self, start: dt.date) -> str:
        """For the table: sortable."""
        return {"day": start.isoformat(), "week": f"week of {start.isoformat()}", "month": f"{start:%Y-%m}"}[self.unit]


def charts(rows: list[Row], wanted: Filter, titles: dict[str, str]) -> list[dict]:
    """Each chart with the table drawn from the same numbers."""
    periods = Periods.for_range(wanted)
    starts = periods.of(wanted)
    per = f"per {periods.unit}"
    out = []

    conversations = summed([r for r in rows if r.measure == "conversations"],
                           lambda r: (periods.start(r.day), r.channel))
    out.append({
        "chart": bar_chart("conversations", f"Conversations begun {per}, by channel",
                           [(f"{periods.label(p)}, {CHANNEL_NAMES[c]}", conversations.get((p, c), 0), i)
                            for p in starts for i, c in enumerate(CHANNELS)]),
        "head": (periods.unit.capitalize(), *(CHANNEL_NAMES[c] for c in CHANNELS)),
        "rows": [(periods.key(p), *(conversations.get((p, c), 0) for c in CHANNELS)) for p in starts],
    })

    pages = summed([r for r in rows if r.measure == "pages"], lambda r: (r.item, r.channel))
    items = sorted({item for item, _ in pages}, key=lambda i: (-sum(pages.get((i, c), 0) for c in CHANNELS), i))
    out.append({
        "chart": bar_chart("pages", "Pages viewed, by topic and channel",
                           [(f"{titles.get(i, i)}, {CHANNEL_NAMES[c]}", pages.get((i, c), 0), n)
                            for i in items for n, c in enumerate(CHANNELS) if pages.get((i, c))]),
        "head": ("Page", *(CHANNEL_NAMES[c] for c in CHANNELS)),
        "rows": [(titles.get(i, i), *(pages.get((i, c), 0) for c in CHANNELS)) for i in items],
    })

    followups = summed([r for r in rows if r.measure == "follow-ups"], lambda r: r.item)
    ordered = sorted(followups.items(), key=lambda kv: (-kv[1], kv[0]))
    out.append({
        "chart": bar_chart("followups", "Follow-up texts, by outcome",
                           [(outcome_name(k), v) for k, v in ordered]),
        "head": ("Outcome", "Texts"),
        "rows": [(outcome_name(k), v) for k, v in ordered],
    })

    for id, measures, title in (
        ("optouts", ("opt-outs", "opt-ins"), f"Opt-outs and opt-ins {per}"),
        ("flooded", ("flood-limited",), f"Texts not answered under the flood limit, {per}"),
    ):
        counts = summed([r for r in rows if r.measure in measures], lambda r: (periods.start(r.day), r.measure))
        out.append({
            "chart": bar_chart(id, title, [(f"{periods.label(p)}, {m}", counts.get((p, m), 0), n)
                                           for p in starts for n, m in enumerate(measures)]),
            "head": (periods.unit.capitalize(), *(m.capitalize() for m in measures)),
            "rows": [(periods.key(p), *(counts.get((p, m), 0) for m in measures)) for p in starts],
        })
    return out


OUTCOMES = {
    "queued": "asked for and queued", "not_allowed": "refused: not a UK mobile or withheld",
    "opted_out": "not sent: opted out", "capped": "refused: over the call's, caller's or number's cap",
    "busy": "refused: the line's hourly limit", "sent": "sent to Twilio",
    "uncertain": "uncertain (Twilio did not answer clearly)", "gave_up": "gave up after retries",
    "delivered": "delivered", "refused": "refused by Twilio", "undelivered": "undelivered",
    "failed": "failed",
}


def outcome_name(item: str) -> str:
    outcome, _, code = item.partition(":")
    name = OUTCOMES.get(outcome, outcome)
    return f"{name}, error {code}" if code else name


def _context():
    line = current_app.extensions["signpost"]
    packs = [p.id for p in line.every_pack]
    wanted, problems = Filter.from_args(request.args, packs, uk_today())
    titles: dict[str, str] = {}
    for pack in line.every_pack:
        for node_id in [*pack.topics, *pack.menus]:
            titles.setdefault(node_id, pack.node(node_id).title)
    return line, packs, wanted, problems, titles


@bp.get("/usage")
def usage():
    line, packs, wanted, problems, titles = _context()
    try:
        rows = read_rows(line.store.redis, wanted, packs)
    except redis.RedisError:
        return render_template("console/usage.html", packs=packs, wanted=wanted, problems=problems,
                               unreachable=True, charts=[], rows=[]), 503
    return render_template("console/usage.html", packs=packs, wanted=wanted, problems=problems,
                           unreachable=False, charts=charts(rows, wanted, titles), rows=rows[:SHOWN_ROWS],
                           all_rows=len(rows))


@bp.get("/usage.csv")
def usage_csv():
    line, packs, wanted, _, _ = _context()
    try:
        rows = read_rows(line.store.redis, wanted, packs)
    except redis.RedisError:
        # A half-empty CSV would pass for counts of nothing: say so, as the page does.
        return Response("Redis is unreachable, so the counts cannot be read.\n", status=503,
                        mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.day.isoformat(), r.pack, r.measure, r.channel, r.item, r.count])
    name = f"signpost-usage-{wanted.start.isoformat()}-{wanted.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
