"""A content review record a partnership can read and sign: every page, texted and
spoken, with who it is for, its sources, what needs confirming, and the safety rules
it passed (``flows.safety``).

The record is the pages as the line sends and says them (999 line first, numbers
filled in, each way a page reads out of hours), not the TOML, so the person who signs
reads what a worried teacher or a child would. Markdown, so it prints, diffs in
review and opens in any editor.
"""

from __future__ import annotations

import datetime as dt

from flows import safety, templates
from flows.evaluation import Case, answer
from flows.pack import Pack
from flows.render import emergency_sms
from flows.voice_page import menu_heard, page_heard

READER_NAMES = {
    "professional": "a professional working with children",
    "young_person": "a young person under 18",
    "parent": "a parent or carer",
    "adult": "an adult being threatened",
    "at_risk": "someone who may harm themselves, or who is worried someone will",
    "anyone": "anyone (a child may read it)",
}


def record(pack: Pack, today: dt.date, routed: list[Case] | None = None) -> str:
    """``routed``: realistic texts, each with the page a person expects; the record shows
    the page each reached, so the person who signs sees where messages go, not only what
    each page says."""
    findings = safety.findings(pack)
    broken: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        broken.setdefault((finding.item, finding.key), []).append(finding.message)
    pages = safety.pages(pack)
    rows = _answered(pack, routed or [])
    reached = (
        f" {sum(ok for *_, ok in rows)} of {len(rows)} realistic texts reach the page a person would expect (listed below)." if rows else ""
    )
    lines = [
        f"# Content review: {pack.name}",
        "",
        f"Pack `{pack.id}`, owner {pack.owner or 'not named'}, review by "
        f"{pack.review_by.isoformat() if pack.review_by else 'not set'}. Produced {today.isoformat()}.",
        "",
        f"{len(pages)} texts and spoken pages; "
        + ("every safety rule passed." if not findings else f"{len(findings)} safety findings, marked below.")
        + reached,
        "",
        "Rules: "
        + "; ".join(f"`{rule}`" for rule in (safety.NEVER_SAY, safety.READER_MUST, safety.AT_RISK_NUMBERS, safety.OPEN_HELPLINE))
        + " (what each means: flows/safety.py; the phrases never to be said: the pack's safety.toml).",
        "",
    ]
    for topic in pack.topics.values():
        lines += _topic(pack, topic, [p for p in pages if p.item == f"topics.{topic.id}"], broken)
    lines += _menus(pack)
    lines += _routes(pack, rows)
    lines += ["## Said between the pages (voice)", ""]
    for page in (p for p in pages if p.item == "voice"):
        mark = _marks(pack, page, broken)
        lines.append(f"- `{page.key}` ({mark}): {page.said}")
    lines += [
        "",
        "## Sign-off",
        "",
        "Read and agreed for publication by:",
        "",
        "Name: ____________________  Role: ____________________  Date: ____________",
        "",
    ]
    return "\n".join(lines)


def _topic(pack: Pack, topic, pages: list[safety.Page], broken: dict) -> list[str]:
    lines = [f"## {topic.title} (`topics.{topic.id}`)", "", f"For {READER_NAMES.get(topic.reader, topic.reader)}."]
    sources = [pack.sources.get(s, {}) for s in topic.source]
    lines += ["Sources: " + "; ".join(s.get("title", "?") + (f" <{s['url']}>" if s.get("url") else "") for s in sources) + "."]
    # What a reviewer must confirm before signing, on this page: its own note, and every
    # number and link it names that is marked (hours decide what "Open now" names).
    unconfirmed = [f"this page: {topic.confirm}"] if topic.confirm else []
    for kind, name in templates.references(f"{topic.sms}\n{topic.voice}"):
        number, link = pack.numbers.get(name), pack.links.get(name)
        named, confirm = (
            (link.title, link.confirm)
            if kind == "link" and link
            else (number.name, number.confirm)
            if kind != "link" and number
            else ("", "")
        )
        note = f"{named}: {confirm}" if confirm else ""
        if note and note not in unconfirmed:
            unconfirmed.append(note)
    if unconfirmed:
        lines.append("Needs confirming: " + "; ".join(unconfirmed) + ".")
    lines.append("")
    for page in pages:
        lines.append(f"**{'By text' if page.key == 'sms' else 'Spoken'}** ({_marks(pack, page, broken)})")
        lines.append("")
        if page.key == "sms":
            lines += ["```text", page.said, "```"]
            variants = sorted(k for k in pack.sms_variants if k.startswith(f"{topic.id}+"))
            for key in variants:
                added = pack.sms_variants[key].splitlines()[-2 if topic.footer else -1]
                lines.append(f"While its helplines are closed it adds: `{added}`")
        else:
            # As a caller hears it when they choose it: the 999 line where the call puts it.
            lines.append("> " + " ".join(page_heard(pack, topic.id)))
        lines.append("")
    if not pages:
        lines += [f"(Sent by the line itself; its 999 line: {emergency_sms(topic.reader)})", ""]
    return lines


def _menus(pack: Pack) -> list[str]:
    """Each menu as a texter reads it or a caller hears it: the choices are words too."""
    lines = ["## Menus", ""]
    for menu in pack.menus.values():
        lines += [f"### {menu.title} (`menus.{menu.id}`, {'spoken' if menu.channel == 'voice' else 'by text'})", ""]
        if menu.id in pack.sms_pages:
            lines += ["```text", pack.sms_pages[menu.id], "```", ""]
        elif menu.channel == "voice" and pack.voice_say:
            lines += ["> " + " ".join(menu_heard(pack, menu)), ""]
    return lines


def _answered(pack: Pack, cases: list[Case]) -> list[tuple[Case, str, bool]]:
    """Each case on a page of this pack, the page it reached and whether that was expected."""
    pages = {*pack.topics, *pack.menus}
    return [(case, *answer(pack, case)) for case in cases if case.page in pages]


def _routes(pack: Pack, rows: list[tuple[Case, str, bool]]) -> list[str]:
    if not rows:
        return []
    names = {**{t.id: t.title for t in pack.topics.values()}, **{m.id: m.title for m in pack.menus.values()}}
    right = sum(ok for _, _, ok in rows)
    lines = [
        "## Which page a message reaches",
        "",
        f"Realistic first texts, each with the page a person would expect, as the line answers them: "
        f"{right} of {len(rows)} as expected. **Another page** marks the rest; the menus count as right for a greeting.",
        "",
        "| Text | Expected | Reached |",
        "|---|---|---|",
    ]
    for case, got, ok in sorted(rows, key=lambda row: (row[2], row[0].page)):
        reached = names.get(got, got) if ok else f"**Another page: {names.get(got, got)}**"
        lines.append(f"| {case.text.replace('|', '/')} | {names[case.page]} | {reached} |")
    return [*lines, ""]


def _marks(pack: Pack, page: safety.Page, broken: dict) -> str:
    rules = safety.rules_for(pack, page)
    if (page.item, page.key) in broken:
        return "FAILED: " + "; ".join(broken[(page.item, page.key)])
    return "passed " + ", ".join(rules)
