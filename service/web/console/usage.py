"""The usage page: what the line was used for, read from the counters the webhooks keep
(``counts``), as charts each with its table, and the same counts as a CSV."""

from __future__ import annotations

import csv
import io

import redis
from flask import Response, current_app, render_template, request

from flows.pack import OPTED_OUT
from flows.voice import DIAL_NOT_ANSWERED, GOODBYE
from service.state.store import uk_today
from service.web.console.blueprint import bp
from service.web.console.charts import bar_chart, stacked_chart
from service.web.console.counts import CHANNEL_NAMES, CHANNELS, UNANSWERED, Filter, Periods, Row, read_rows, summed
from service.web.console.outcomes import STEPS, funnel, outcome_words

# The spreadsheet says what each count is in words, as the page does; the day stays an
# ISO date so a spreadsheet sorts it.
COLUMNS = ("Day", "Content", "What was counted", "Channel", "Page or outcome", "Count")
MEASURE_WORDS = {
    "pages": "Pages read or heard",
    "conversations": "Conversations",
    "opt-outs": "Asked for no more texts (STOP)",
    "opt-ins": "Asked for texts again",
    "flood-limited": "Texts not answered: one number sent too many",
    "abroad-limited": "Texts not answered: texters abroad had used the hour's replies",
    "line-busy": "Texts not answered: the line's most replies in an hour reached",
    "follow-ups": "Follow-up texts callers asked for",
    "calls ended": "Callers who hung up while hearing it",
    "texts asked": "Callers who asked for it by text",
    "put through": "Callers put through to a helpline from it",
    "put-through outcomes": "Put-throughs to a helpline: how they ended",
}


def item_words(row: Row, titles: dict[str, str]) -> str:
    if row.measure == "follow-ups":
        return outcome_words(row.item)
    if row.measure == "put-through outcomes":
        return f"Not answered ({row.item.replace('-', ' ')})" if row.item in DIAL_NOT_ANSWERED else "Answered"
    return titles.get(row.item, row.item)


def page_titles(line) -> dict[str, str]:
    """What each counted page is called. A text menu and a phone menu may share a title
    ("Main menu"): each says which it is, so the table has no two rows alike."""
    # The replies the line gives that are no page of a pack, in words.
    titles: dict[str, str] = {OPTED_OUT: "Opted out (texted STOP)", GOODBYE: "Goodbye (the call ended)"}
    for pack in line.every_pack:
        for node_id in pack.topics:
            titles.setdefault(node_id, pack.node(node_id).title)
        for node_id, menu in pack.menus.items():
            titles.setdefault(node_id, f"{menu.title} (by {'phone' if menu.channel == 'voice' else 'text'})")
        for node_id in pack.pair_questions:  # ask:dos:steps
            between = [pack.node(page).title for page in node_id.split(":")[1:]]
            titles.setdefault(node_id, f"Asked which: {' or '.join(between)}")
    return titles


AWAITING = "Not known yet: still to be sent, or no word yet from the phone's network"


def section(chart, head: tuple[str, ...], rows: list[tuple]) -> dict:
    return {"chart": chart, "head": head, "rows": rows}


def charts(rows: list[Row], wanted: Filter, titles: dict[str, str]) -> list[dict]:
    """Each chart with the table drawn from the same numbers."""
    periods = Periods.for_range(wanted)
    starts = periods.of(wanted)
    names = tuple(CHANNEL_NAMES[c] for c in CHANNELS)
    out = []

    began = summed([r for r in rows if r.measure == "conversations"], lambda r: (periods.start(r.day), r.channel))
    table = [(periods.label(p), *(began.get((p, c), 0) for c in CHANNELS)) for p in starts]
    out.append(
        section(
            stacked_chart(
                "conversations",
                f"Conversations (calls, and texts until a half-hour gap), each {periods.unit}",
                names,
                [(row[0], tuple(row[1:])) for row in table],
            ),
            (periods.unit.capitalize(), *names, "All"),
            [(*row, sum(row[1:])) for row in table],
        )
    )

    pages = summed([r for r in rows if r.measure == "pages"], lambda r: (r.item, r.channel))
    items = sorted({item for item, _ in pages}, key=lambda i: (-sum(pages.get((i, c), 0) for c in CHANNELS), i))
    table = [(titles.get(i, i), *(pages.get((i, c), 0) for c in CHANNELS)) for i in items]
    out.append(
        section(
            stacked_chart("pages", "Pages read or heard, most asked for first", names, [(row[0], tuple(row[1:])) for row in table]),
            ("Page", *names, "All"),
            [(*row, sum(row[1:])) for row in table],
        )
    )

    asked = funnel(summed([r for r in rows if r.measure == "follow-ups"], lambda r: r.item))
    steps = [(STEPS["queued"], asked.asked), (STEPS["sent"], asked.sent), (STEPS["delivered"], asked.delivered)]
    losses = [(f"Not sent: {loss.reason}", loss.count) for loss in asked.not_sent]
    losses += [(f"{loss.step}: {loss.reason}", loss.count) for loss in asked.lost]
    # The rest of those asked for, so the rows add up: still to be sent, or no word yet
    # from the phone's network (none ever comes for a text printed where no account is set).
    waiting = [(AWAITING, asked.awaiting)] if asked.awaiting else []
    out.append(
        section(
            bar_chart(
                "followups",
                "Follow-up texts callers asked for: what became of them",
                steps + losses + waiting,
                failed=frozenset(label for label, _ in losses),
            ),
            ("What happened", "Texts"),
            steps + losses + waiting,
        )
        | {"funnel": asked}
    )

    for id, measures, title in (
        ("optouts", ("opt-outs", "opt-ins"), f"People who asked for no more texts (STOP), or for texts again, each {periods.unit}"),
        ("flooded", tuple(UNANSWERED), f"Texts not answered, and why, each {periods.unit}"),
    ):
        counted = summed([r for r in rows if r.measure in measures], lambda r: (periods.start(r.day), r.measure))
        heads = {
            "opt-outs": "Asked for no more",
            "opt-ins": "Asked for texts again",
            "flood-limited": "One number sent too many",
            "abroad-limited": "Numbers abroad: hourly limit reached",
            "line-busy": "The line's limit for the hour reached",
        }
        table = [(periods.label(p), *(counted.get((p, m), 0) for m in measures)) for p in starts]
        out.append(
            section(
                # Opt-outs and opt-ins added up would mean nothing: a bar each.
                stacked_chart(
                    id, title, tuple(heads[m] for m in measures), [(row[0], tuple(row[1:])) for row in table], side_by_side=id == "optouts"
                ),
                (periods.unit.capitalize(), *(heads[m] for m in measures)),
                table,
            )
        )
    return out


def _context():
    line = current_app.extensions["signpost"]
    packs = [p.id for p in line.every_pack]
    wanted, problems = Filter.from_args(request.args, packs, uk_today())
    return line, packs, wanted, problems


@bp.get("/usage")
def usage():
    line, packs, wanted, problems = _context()
    names = {p.id: p.name for p in line.every_pack}
    try:
        rows = read_rows(line.store.redis, wanted, packs)
    except redis.RedisError:
        return render_template(
            "console/usage.html", packs=packs, names=names, wanted=wanted, problems=problems, unreachable=True, charts=[]
        ), 503
    return render_template(
        "console/usage.html",
        packs=packs,
        names=names,
        wanted=wanted,
        problems=problems,
        unreachable=False,
        charts=charts(rows, wanted, page_titles(line)),
    )


@bp.get("/usage.csv")
def usage_csv():
    line, packs, wanted, _ = _context()
    try:
        rows = read_rows(line.store.redis, wanted, packs)
    except redis.RedisError:
        # A half-empty CSV would pass for counts of nothing: say so, as the page does.
        return Response("Redis is unreachable, so the counts cannot be read.\n", status=503, mimetype="text/plain")
    names = {p.id: p.name for p in line.every_pack}
    titles = page_titles(line)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        measure, channel = MEASURE_WORDS.get(r.measure, r.measure), CHANNEL_NAMES.get(r.channel, r.channel)
        writer.writerow([r.day.isoformat(), names.get(r.pack, r.pack), measure, channel, item_words(r, titles), r.count])
    name = f"signpost-usage-{wanted.start.isoformat()}-{wanted.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
