"""Naming a helpline that is open now, when every helpline a page names is closed.

A page given at 11pm on a Saturday, or on Christmas Day, that names only the
Professionals Online Safety Helpline and the NSPCC would leave a worried reader with
two numbers that do not answer (FACTS.md, section 3). So when every number a page
names that keeps hours (an ``opening`` that is not "always") is closed, the page
adds the first numbers from the pack's ``open_now`` list for the page's reader that
are open then, and not already named: for a professional, Coventry's out-of-hours
social worker; for anyone, Samaritans and Shout; for under-19s, Childline.

Computed from the pack's opening hours, its nation's bank holidays and the UK clock,
never written by hand. SMS pages are rendered when the pack loads, so every way a
page can read (each choice of open numbers) is rendered then and checked against
its segment budget like any other page; a turn picks one by the time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from itertools import combinations

from flows.hours import Opening
from flows.render import READERS

# How many open numbers a page adds: enough for a choice, few enough to read.
MOST = 2
_NAMED = re.compile(r"\{number\.([a-z0-9_]+)\}")


def read_openings(pack, loader, table: object) -> None:
    """Each number's opening hours, and the pack's ``open_now`` choices by reader."""
    for key, number in pack.numbers.items():
        if number.opening is not None:
            try:
                pack.openings[key] = Opening.from_pack(number.opening, pack.nation)
            except ValueError as exc:
                loader.problem(f"numbers.{key}", str(exc), key="opening")
    if not isinstance(table, dict):
        loader.problem("pack", "open_now must be a table of reader = [number ids]", key="open_now")
        return
    for reader, ids in table.items():
        if reader not in READERS:
            loader.problem("pack", f"open_now: {reader!r} is not a reader ({', '.join(READERS)})", key="open_now")
            continue
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            loader.problem("pack", f"open_now.{reader} must be a list of number ids", key="open_now")
            continue
        for number_id in ids:
            if number_id not in pack.numbers:
                loader.problem("pack", f"open_now.{reader}: {number_id!r} names no number", key="open_now")
            elif pack.numbers[number_id].opening is None:
                # A number offered as open must say when it is.
                loader.problem("pack", f"open_now.{reader}: {number_id} has no opening hours", key="open_now")
        pack.open_now[reader] = tuple(ids)


@functools.lru_cache(maxsize=256)
def named_numbers(text: str) -> tuple[str, ...]:
    """The number ids a text names (``{number.NAME}``), in order, once each."""
    return tuple(dict.fromkeys(_NAMED.findall(text)))


def keeping_hours(pack, text: str) -> tuple[str, ...]:
    """The numbers a text names that are not always open."""
    return tuple(n for n in named_numbers(text) if n in pack.openings and not pack.openings[n].always)


def names_help_always(pack, node_id: str, risk_page: str) -> bool:
    """Whether a page names one of the lines the at-risk page gives that are open day and
    night (Samaritans, Childline: 999 and text services aside): such a page keeps a person
    who may not be safe with someone to call, whatever the hour."""
    topic, at_risk = pack.topics.get(node_id), pack.topics.get(risk_page)
    if topic is None or at_risk is None:
        return False
    lines = {
        n
        for n in named_numbers(at_risk.sms)
        if n in pack.openings and pack.openings[n].always and n != "emergency" and not pack.numbers[n].text_service
    }
    return bool(lines.intersection(named_numbers(topic.sms)))


def added_numbers(pack, text: str, reader: str, at: dt.datetime | None) -> tuple[str, ...]:
    """The open numbers to add to ``text`` at ``at``: none while one it names is open."""
    limited = keeping_hours(pack, text)
    if at is None or not limited or any(pack.openings[n].is_open(at) for n in limited):
        return ()
    named = set(named_numbers(text))
    open_now = [n for n in pack.open_now.get(reader, ()) if n not in named and pack.openings[n].is_open(at)]
    return tuple(open_now[:MOST])


def every_addition(pack, text: str, reader: str) -> list[tuple[str, ...]]:
    """Every choice of numbers ``added_numbers`` can make for ``text``, whatever the hour."""
    if not keeping_hours(pack, text):
        return []
    choices = [n for n in pack.open_now.get(reader, ()) if n not in named_numbers(text)]
    # Each one alone, and each pair that is ever open together in a sample week (two
    # that never are, such as an office and its out-of-hours service, need no page).
    found = {(n,) for n in choices}
    found |= {pair for pair in combinations(choices, MOST) if any(all(pack.openings[n].is_open(at) for n in pair) for at in moments())}
    return sorted(found)


def page_key(pack, node_id: str, at: dt.datetime | None) -> str:
    """The key of the SMS page for ``node_id`` at ``at`` in ``pack.sms_variants``."""
    topic = pack.topics.get(node_id)
    if topic is None:
        return node_id
    added = added_numbers(pack, topic.sms, topic.reader, at)
    key = "+".join((node_id, *added))
    # A pair the sample week never had open together: the first of them, which was rendered.
    return key if key in pack.sms_variants or not added else "+".join((node_id, added[0]))


def sms_line(pack, added: tuple[str, ...]) -> str:
    """``Open now: Samaritans 116 123; Shout: text SHOUT to 85258``."""
    named = "; ".join(f"{pack.numbers[n].short_name or pack.numbers[n].name} {pack.numbers[n].number}" for n in added)
    return f"{pack.open_now_intro} {named}"


def spoken_line(pack, intro: str, added: tuple[str, ...]) -> str:
    """``Open now: Samaritans 1 1 6, 1 2 3.``: each number digit by digit, as numbers are read."""
    from flows.templates import spoken_number

    named = ". ".join(f"{pack.numbers[n].short_name or pack.numbers[n].name} {spoken_number(pack.numbers[n].number)}" for n in added)
    return f"{intro} {named}."


def moments(start: dt.date = dt.date(2026, 12, 21), days: int = 8, step_minutes: int = 30):
    """Every half hour of a week with a weekend and bank holidays in it (Christmas and
    Boxing Day; 28 December as the substitute), UK time: when ``check`` reads each page."""
    from flows.hours import UK

    first = dt.datetime.combine(start, dt.time(0, 1), tzinfo=UK)
    for n in range(days * 24 * 60 // step_minutes):
        yield first + dt.timedelta(minutes=n * step_minutes)
