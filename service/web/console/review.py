"""The review page, written for the partnership rather than for whoever edits the files.

Each item to check is shown as the page or detail people get (its words, or the
number or address), where its facts come from, why it is listed, and when it is due,
in plain English; the file and line it lives in is kept for the editor, below.
The report itself was made at start-up (``reviews``), never in this request.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import abort, current_app, render_template

from flows.check import Listed, Problem
from flows.pack import Pack
from service.state.store import uk_today
from service.web.console import reviews
from service.web.console.blueprint import bp
from service.web.console.content import chosen_pack
from service.web.console.counts import day_name

SOON = 31  # days: a review date this close is due soon; further off it is only the next one
PASSED = re.compile(r"review-by date \S+ has passed")
FLESCH = re.compile(r"(sms|voice) text reads at (\d+) on the Flesch scale.*")
# flows.check's warning for a page's example message the risk model takes for a crisis.
SAFE_MISREAD = re.compile(r"the risk model reads the example (['\"])(.*)\1 as a crisis: .*", re.DOTALL)


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class ReviewItem:
    kind: str  # "Page", "Phone number", "Web address", "All the content"
    name: str
    words: str  # what people get: the page's text, the number and hours, the address
    anchor: str  # on the content page, for a page
    sources: tuple[Source, ...]
    why: str
    when: str
    overdue: bool
    used_on: tuple[tuple[str, str], ...] = ()  # (title, anchor) of the pages a number or address is on


def describe(pack: Pack, ref: str) -> tuple[str, str, str, str, tuple[str, ...]]:
    """(kind, name, words, anchor, source ids) of an item the report names as ``kind.key``."""
    group, _, key = ref.partition(".")
    if group == "topics" and key in pack.topics:
        topic = pack.topics[key]
        # As sent: numbers and addresses filled in, to check against their sources.
        words = pack.sms_pages.get(key, topic.sms)
        return "Page", topic.title, words, f"sms-{key}" if key in pack.sms_variants else "", topic.source
    if group == "numbers" and key in pack.numbers:
        number = pack.numbers[key]
        words = number.number + (f", {number.hours}" if number.hours else "")
        return "Phone number", number.name, words, "", number.source
    if group == "links" and key in pack.links:
        link = pack.links[key]
        return "Web address", link.title, link.url, "", link.source
    return "All the content", pack.name, f"Owned by {pack.owner}" if pack.owner else "", "", ()


def used_on(pack: Pack, ref: str) -> tuple[tuple[str, str], ...]:
    """The pages whose words name the phone number or web address ``ref`` names, each with
    its place on the content page: what to look over when it changes."""
    group, _, key = ref.partition(".")
    placeholder = {"numbers": "{number.", "links": "{link."}.get(group)
    if placeholder is None:
        return ()
    mark = f"{placeholder}{key}}}"
    return tuple(
        (topic.title, f"sms-{topic.id}" if topic.id in pack.sms_pages else "")
        for topic in pack.topics.values()
        if mark in topic.sms or mark in topic.voice
    )


def sources(pack: Pack, ids: tuple[str, ...]) -> tuple[Source, ...]:
    return tuple(Source(pack.sources.get(s, {}).get("title", s), pack.sources.get(s, {}).get("url", "")) for s in ids)


def due(day: dt.date, today: dt.date) -> tuple[str, bool]:
    days = (day - today).days
    if days < 0:
        return f"Overdue: it was due {day_name(day)}", True
    if days <= SOON:
        return f"Due soon: by {day_name(day)}", False
    return f"Next review by {day_name(day)}, in {round(days / 30.4)} months" if days > 45 else f"Next review by {day_name(day)}", False


def items(pack: Pack, listed: list[Listed], review_by: list[tuple[dt.date, Listed]], today: dt.date) -> list[ReviewItem]:
    dates = {entry.item: day for day, entry in review_by}
    # A detail to confirm with no date of its own is due by the content's own review at the
    # latest: "as soon as you can" alone gave a manager no date to plan by.
    whole = min((day for day, entry in review_by if describe(pack, entry.item)[0] == "All the content"), default=None)
    found = []
    for entry in listed:
        kind, name, words, anchor, ids = describe(pack, entry.item)
        why = "Marked to be confirmed against its source" + (f": {entry.note}" if entry.note else "")
        if entry.item in dates:
            when, overdue = due(dates[entry.item], today)
        elif whole is not None:
            when, overdue = due(whole, today)
            when = f"As soon as you can, and before the content's review ({when[0].lower()}{when[1:]})"
        else:
            when, overdue = "As soon as you can (no review date is set for the content)", False
        found.append(ReviewItem(kind, name, words, anchor, sources(pack, ids), why, when, overdue, used_on(pack, entry.item)))
    for day, entry in review_by:
        kind, name, words, anchor, ids = describe(pack, entry.item)
        when, overdue = due(day, today)
        found.append(
            ReviewItem(
                kind,
                name,
                words,
                anchor,
                sources(pack, ids),
                "Everything it says should be checked by this date",
                when,
                overdue,
                used_on(pack, entry.item),
            )
        )
    # Overdue first; then what most pages depend on (a number on five pages before an
    # address on one); the whole content's review date last.
    return sorted(found, key=lambda i: (not i.overdue, i.kind == "All the content", -len(i.used_on), i.name))


@dataclass(frozen=True)
class SafeMisread:
    """A message written as an example of one page that gets the page for someone at risk."""

    page: str  # the page it was written for, by title
    text: str


def safe_misreads(pack: Pack, warnings: list[Problem]) -> tuple[list[Problem], list[SafeMisread]]:
    """The warnings apart from those about example messages read as a crisis, and those.
    Each of those is the safe mistake (the page for someone at risk leads with 999 and the
    helplines), so they are shown together, for the editor who may add examples, rather
    than as a list of things the partnership must act on."""
    rest, misread = [], []
    for problem in warnings:
        if m := SAFE_MISREAD.fullmatch(problem.message):
            misread.append(SafeMisread(describe(pack, problem.item)[1], m.group(2)))
        else:
            rest.append(problem)
    return rest, misread


def plain(pack: Pack, problem: Problem) -> tuple[str, str]:
    """(what it is about, ending in a full stop or its own mark; what to do) for a warning
    or error of the check."""
    kind, name, *_ = describe(pack, problem.item)
    about = f"{kind}: {name}" if kind != "All the content" else name
    about += "" if about.endswith((".", "?", "!")) else "."
    if m := FLESCH.fullmatch(problem.message):
        said = "text" if m.group(1) == "sms" else "spoken version"
        return about, (
            f"The {said} is harder to read than it should be ({m.group(2)} out of 100 for ease "
            "of reading; 60 or more is plain English). Use shorter sentences and words."
        )
    return about, problem.message


@bp.get("/review")
def review():
    pack, packs = chosen_pack()
    report = reviews.report(pack)
    if report is None:  # a pack not loaded at start-up: not served here
        abort(404)
    today = uk_today()
    # Whether a date has passed is today's question; the cached report's own
    # "has passed" warnings are as of start-up, so they are left to the list above.
    warnings, misread = safe_misreads(pack, [p for p in report.warnings if not PASSED.fullmatch(p.message)])
    return render_template(
        "console/review.html",
        pack=pack,
        packs=packs,
        names={p.id: p.name for p in current_app.extensions["signpost"].every_pack},
        today=today,
        items=items(pack, report.to_confirm, report.review_by, today),
        warnings=[plain(pack, p) for p in warnings],
        misread=misread,
        errors=[plain(pack, p) for p in report.errors],
    )
