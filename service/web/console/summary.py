"""The summary: the first page after logging in, read at a glance.

Conversations this week and the week before, by channel (each call, and each texter's
texts until a half-hour gap: one person may be several); the pages
most asked for; the follow-up texts delivered of those asked for; callers put through
to a helpline; opt-outs; and
what needs attention. "This week" is the last seven UK days, today included, so the
numbers do not fall to nothing every Monday; links step back a week at a time
(``?week_ending=``), as far as the counters are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from flask import current_app, g, render_template, request

from service.state.store import uk_today
from service.web.console.blueprint import bp
from service.web.console.counts import CHANNEL_NAMES, CHANNELS, MAX_DAYS, UNANSWERED, Filter, PutThroughs, Row, read_rows, summed
from service.web.console.outcomes import funnel

WEEK = 7
TOP_PAGES = 5


@dataclass(frozen=True)
class Change:
    name: str
    now: int
    before: int

    @property
    def words(self) -> str:
        if self.now == self.before:
            return "the same as the week before"
        if not self.before:
            return "none the week before"  # not "11 more": the line may not have been in use
        return f"{abs(self.now - self.before)} {'more' if self.now > self.before else 'fewer'} than the week before"


def week_summary(rows: list[Row], this_week: Filter, titles: dict[str, str]) -> dict:
    """``titles``: the pages to rank, by node id (the pack's pages, not its menus: a menu is
    the way to a page, and would lead every week)."""
    now = [r for r in rows if r.day >= this_week.start]
    before = [r for r in rows if r.day < this_week.start]

    def counted(which: list[Row], measure: str, key) -> dict:
        return summed([r for r in which if r.measure == measure], key)

    people_now, people_before = (counted(w, "conversations", lambda r: r.channel) for w in (now, before))
    channels = [Change(CHANNEL_NAMES[c], people_now.get(c, 0), people_before.get(c, 0)) for c in CHANNELS]
    pages_now, pages_before = (counted([r for r in w if r.item in titles], "pages", lambda r: titles[r.item]) for w in (now, before))
    top = sorted(pages_now.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PAGES]
    opt_outs = [sum(r.count for r in w if r.measure == "opt-outs") for w in (now, before)]
    talked = [r for r in rows if r.measure == "conversations" and r.count]
    return {
        "people": Change("Everyone", sum(people_now.values()), sum(people_before.values())),
        # A quiet day and a line that has stopped look alike in a week's total: the last
        # day with any text or call says which (within these two weeks).
        "today": sum(r.count for r in talked if r.day == this_week.end),
        "latest": max((r.day for r in talked), default=None),
        "channels": channels,
        "top_pages": [Change(title, n, pages_before.get(title, 0)) for title, n in top],
        "followups": funnel(counted(now, "follow-ups", lambda r: r.item)),
        "followups_before": funnel(counted(before, "follow-ups", lambda r: r.item)),
        "opt_outs": Change("Opt-outs", *opt_outs),
        "opt_ins": sum(r.count for r in now if r.measure == "opt-ins"),
        # Calls the line made to a helpline for a caller: each paid for by the line.
        "put_through": Change("Put through", *(sum(r.count for r in w if r.measure == "put through") for w in (now, before))),
        "put_through_ended": PutThroughs.of(now),
        "unanswered": [(UNANSWERED[m], n) for m in UNANSWERED if (n := sum(r.count for r in now if r.measure == m))],
    }


def content_titles(line) -> dict[str, str]:
    return {node_id: pack.node(node_id).title for pack in line.every_pack for node_id in pack.topics}


def week_ending(raw: str, today: dt.date) -> tuple[dt.date, list[str]]:
    """The last day of the week the query asks for (``?week_ending=``), today by default;
    what was wrong with it, said, and today shown instead."""
    if not raw:
        return today, []
    try:
        end = dt.date.fromisoformat(raw)
    except ValueError:
        return today, [f"'{raw}' is not a date (written as 2026-12-05); showing this week."]
    if end > today:
        return today, ["That week has not happened yet; showing this week."]
    if end < today - dt.timedelta(days=MAX_DAYS - 2 * WEEK):
        return today, [f"The line keeps its counts for about {MAX_DAYS} days; showing this week."]
    return end, []


@bp.get("/summary")
def summary():
    line = current_app.extensions["signpost"]
    today = uk_today()
    end, problems = week_ending(request.args.get("week_ending", ""), today)
    this_week = Filter(end - dt.timedelta(days=WEEK - 1), end, "")
    both = Filter(end - dt.timedelta(days=2 * WEEK - 1), end, "")
    packs = [p.id for p in line.every_pack]
    try:
        week = week_summary(read_rows(line.store.redis, both, packs), this_week, content_titles(line))
    except redis.RedisError:
        week = None
    earlier = end - dt.timedelta(days=WEEK)
    later = end + dt.timedelta(days=WEEK)
    return render_template(
        "console/summary.html",
        week=week,
        this_week=this_week,
        current=end == today,
        problems=problems,
        earlier=earlier if earlier >= today - dt.timedelta(days=MAX_DAYS - 2 * WEEK) else None,
        later=None if end == today else min(later, today),
        attention=g.attention,
    ), 200 if week else 503
