"""The counts the console reads: what the webhooks, the worker and the delivery reports
counted, per pack and UK day, and the periods and dates they are shown by.

Two hashes a pack a day (see ``service.state.store``): ``stats`` (pages shown, by
channel and item) and ``events`` (conversations begun, opt-outs and opt-ins, texts held
back by the flood limit, follow-up outcomes). Counts only: nothing here can identify
anyone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import redis

from flows.voice import DIAL_NOT_ANSWERED
from service.state import keys
from service.state.store import (
    BUSY,
    CALL_ENDED,
    CONVERSATION,
    FLOODED,
    FLOODED_ABROAD,
    FOLLOWUP,
    OPT_IN,
    OPT_OUT,
    PUT_THROUGH,
    PUT_THROUGH_ENDED,
    TEXT_ASKED,
)

DEFAULT_DAYS = 7
MAX_DAYS = 400  # the counters are kept about this long
YEARS = (2000, 2099)  # the days a filter may name (the simulator's clock keeps to these too)
# Every channel a person can reach the line by. WhatsApp shares the text flows
# (``flows.model.Channel`` has no member for it) but counts under its own name, so it
# is listed here: a channel left out of this list would vanish from every chart.
CHANNELS = ("sms", "whatsapp", "voice")
CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp", "voice": "Calls"}
# What a field of the events hash counts, as the CSV names it.
MEASURES = {
    CONVERSATION: "conversations",
    OPT_OUT: "opt-outs",
    OPT_IN: "opt-ins",
    FLOODED: "flood-limited",
    FLOODED_ABROAD: "abroad-limited",
    BUSY: "line-busy",
}
# Texts the line did not answer, and why, in words.
UNANSWERED = {
    "flood-limited": "one number sent too many in an hour",
    "abroad-limited": "texters abroad had had the hour's replies the line allows them together",
    "line-busy": "the line had sent the most replies it allows in an hour",
}
# Events about one menu or page of a call (``voice:ended:<place>``), by what the CSV names them.
CALL_MEASURES = {
    CALL_ENDED: "calls ended",
    TEXT_ASKED: "texts asked",
    PUT_THROUGH: "put through",
    PUT_THROUGH_ENDED: "put-through outcomes",
}


def day_name(day: dt.date) -> str:
    """Every date the console shows is written this one way (the CSV keeps ISO dates)."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True, order=True)
class Row:
    day: dt.date
    pack: str
    measure: str  # pages, conversations, opt-outs, opt-ins, flood-limited, follow-ups, and CALL_MEASURES'
    channel: str
    item: str
    count: int


@dataclass(frozen=True)
class PutThroughs:
    """Callers put through to a helpline, and whether the helpline answered."""

    made: int
    answered: int
    not_answered: int

    @classmethod
    def of(cls, rows: list[Row]) -> PutThroughs:
        ended = [r for r in rows if r.measure == "put-through outcomes"]
        return cls(
            made=sum(r.count for r in rows if r.measure == "put through"),
            answered=sum(r.count for r in ended if r.item not in DIAL_NOT_ANSWERED),
            not_answered=sum(r.count for r in ended if r.item in DIAL_NOT_ANSWERED),
        )

    @property
    def words(self) -> str:
        """Whether anyone answered, as far as Twilio has said."""
        parts = [f"{self.answered} answered", f"{self.not_answered} not answered (busy, no answer or no connection)"]
        unknown = self.made - self.answered - self.not_answered
        if unknown > 0:
            parts.append(f"{unknown} not known yet")
        return ", ".join(parts)


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
                problems.append(f"'{raw}' is not a date (written as 2026-12-05); showing {day_name(default)}.")
                return default
            # Counters exist for years near ours; and a week before year 1 there is no day.
            if not YEARS[0] <= chosen.year <= YEARS[1]:
                problems.append(f"'{raw}' is outside {YEARS[0]} to {YEARS[1]}; showing {day_name(default)}.")
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
            problems.append("That partnership's content is not served here: showing all of it.")
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
            elif (kind := event.partition(":"))[0] in CALL_MEASURES:
                rows.append(Row(day, pack, CALL_MEASURES[kind[0]], channel, kind[2], int(value)))
    return sorted(rows)


def summed(rows: list[Row], key) -> dict:
    totals: dict = defaultdict(int)
    for row in rows:
        totals[key(row)] += row.count
    return totals


@dataclass(frozen=True)
class Periods:
    """What the charts over time count by: days for a month or so, then weeks, then
    months, so that a year is twelve bars rather than four hundred. A week is seven days
    counted back from the last day shown, as the summary's week is (the last seven days),
    so the two pages' weeks give the same numbers."""

    unit: str  # day, week or month
    last: dt.date  # the last day shown: weeks end on it
    first: dt.date  # the first day shown: a period that starts before it is only part of one

    @classmethod
    def for_range(cls, wanted: Filter) -> Periods:
        days = len(wanted.days)
        return cls("day" if days <= 31 else "week" if days <= 26 * 7 else "month", wanted.end, wanted.start)

    def start(self, day: dt.date) -> dt.date:
        if self.unit == "week":
            return self.last - dt.timedelta(days=(self.last - day).days // 7 * 7 + 6)
        if self.unit == "month":
            return day.replace(day=1)
        return day

    def of(self, wanted: Filter) -> list[dt.date]:
        return sorted({self.start(d) for d in wanted.days})

    def label(self, start: dt.date) -> str:
        """One way for the chart and its table alike; a period only partly shown says so,
        so a few days are not read beside a whole week or month as if they were one."""
        if self.unit == "week":
            end = start + dt.timedelta(days=6)
            return f"{(end - max(start, self.first)).days + 1} days to {day_name(end)}"
        if self.unit == "month":
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            shown_from, shown_to = max(start, self.first), min(end, self.last)
            if (shown_from, shown_to) != (start, end):
                return f"{start:%B %Y} ({shown_from.day} to {shown_to.day} {start:%b} only)"
            return f"{start:%B %Y}"
        return day_name(start)
