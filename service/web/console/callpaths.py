"""Call paths: for each phone menu, how often callers chose each of its options, from the
counts of the pages they then heard.

Every page a caller hears is counted (``voice:<page>`` in the day's stats), and a page
is reached from its menu by pressing its key, so a menu's options with their counts are
the paths callers took through it. Beside them, from the day's events: the pages callers
asked to have texted (``voice:text:<page>``), the pages they were put through to a
helpline from (``voice:through:<page>``) and where calls ended (``voice:ended:<place>``,
counted when Twilio reports a call over; a call the line ended itself, or put through to
a helpline, is not counted there). Counts only: no call is followed, and no number kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from flask import current_app, render_template, request

from service.state.store import uk_today
from service.web.console.blueprint import bp
from service.web.console.counts import Filter, PutThroughs, read_rows, summed
from service.web.console.outcomes import funnel


@dataclass(frozen=True)
class Path:
    key: str
    title: str
    heard: int
    texted: int = 0  # asked for this page by text
    ended: int = 0  # calls that ended while hearing it


@dataclass(frozen=True)
class MenuPaths:
    id: str
    title: str
    heard: int  # times the menu itself was heard (repeats included)
    paths: tuple[Path, ...]
    ended: int = 0  # calls that ended while hearing the menu


def menu_paths(pack, heard: dict[str, int], texted: dict[str, int] | None = None, ended: dict[str, int] | None = None) -> list[MenuPaths]:
    texted, ended = texted or {}, ended or {}
    found = []
    for menu in pack.menus.values():
        if menu.channel != "voice":
            continue
        paths = tuple(
            Path(
                str(n),
                (node.spoken_title or node.title) if (node := pack.node(o)) else o,
                heard.get(o, 0),
                texted.get(o, 0),
                ended.get(o, 0),
            )
            for n, o in enumerate(menu.options, 1)
        )
        # A heading is written, not spoken: the menu's title (its spoken title is in lower case).
        found.append(MenuPaths(menu.id, menu.title, heard.get(menu.id, 0), paths, ended.get(menu.id, 0)))
    # The main menu first, then in the order the pack lists them.
    return sorted(found, key=lambda m: m.id != pack.voice_main)


@bp.get("/calls")
def call_paths():
    line = current_app.extensions["signpost"]
    packs = [p.id for p in line.every_pack]
    wanted, problems = Filter.from_args(request.args, packs, uk_today())
    pack = next((p for p in line.every_pack if p.id == wanted.pack), line.pack)
    try:
        rows = read_rows(line.store.redis, Filter(wanted.start, wanted.end, pack.id), packs)
    except redis.RedisError:
        return render_template(
            "console/calls.html",
            unreachable=True,
            wanted=wanted,
            problems=problems,
            menus=[],
            asked=None,
            pack=pack,
            put_through=[],
            put_through_ended=None,
        ), 503
    heard = summed([r for r in rows if r.measure == "pages" and r.channel == "voice"], lambda r: r.item)
    texted = summed([r for r in rows if r.measure == "texts asked" and r.channel == "voice"], lambda r: r.item)
    ended = summed([r for r in rows if r.measure == "calls ended" and r.channel == "voice"], lambda r: r.item)
    asked = funnel(summed([r for r in rows if r.measure == "follow-ups"], lambda r: r.item))
    through = summed([r for r in rows if r.measure == "put through" and r.channel == "voice"], lambda r: r.item)
    return render_template(
        "console/calls.html",
        unreachable=False,
        wanted=wanted,
        problems=problems,
        menus=menu_paths(pack, heard, texted, ended),
        # No call at all in these days: the same words as every page with nothing counted.
        counted=bool(heard or texted or ended),
        # Calls, as the summary counts them: a menu may be heard more often than this.
        calls=sum(r.count for r in rows if r.measure == "conversations" and r.channel == "voice"),
        # Each a call to the helpline the line pays for: from which page, how many.
        put_through=[(pack.node(page).title if pack.node(page) else page, n) for page, n in sorted(through.items())],
        put_through_ended=PutThroughs.of([r for r in rows if r.channel == "voice"]),
        asked=asked,
        pack=pack,
        days=(wanted.end - wanted.start + dt.timedelta(days=1)).days,
    )
