"""Loading a pack: read the TOML files, check them against the schema and each other,
then hand the pack to the renderers. Any problem stops the load, listing every one."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import replace
from pathlib import Path

from flows.hours import DEFAULT_NATION, NATIONS
from flows.keywords import compact
from flows.render import PROFESSIONAL, READERS
from flows.pack.model import Link, Menu, Number, PackError, Pack, Problem, Topic
from flows.pack.open_now import read_openings
from flows.pack.render_sms import render_sms
from flows.pack.render_voice import render_voice
from flows.pack.schema import (
    _INT,
    CHANNELS,
    NAMED_TABLES,
    OPEN_TABLES,
    SCHEMA,
    SINGLE_TABLES,
    VOICE_MAX_OPTIONS,
)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _confirm(value) -> str:
    if value is True:
        return "yes"
    return value or ""


class Loader:
    """Reads a pack's files and records every problem with its file and line.

    ``check`` uses it too, for the raw text and for line numbers of its own findings.
    """

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.texts: dict[str, str] = {}
        self.origins: dict[str, str] = {}

    def problem(self, item: str, message: str, file: str | None = None, key: str | None = None):
        file = file or self.origins.get(item, "?")
        self.problems.append(Problem(file, item, message, self.line_of(file, item, key)))

    def line_of(self, file: str, item: str, key: str | None) -> int | None:
        """The line an item (or one of its fields) starts on, for the editor's benefit."""
        text = self.texts.get(file)
        if not text:
            return None
        lines = text.splitlines()
        header = re.compile(r"^\s*\[\s*" + re.escape(item).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return None
        if key:
            field_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
            for i in range(start + 1, len(lines)):
                if lines[i].lstrip().startswith("["):
                    break
                if field_re.match(lines[i]):
                    return i + 1
        return start + 1

    def read(self) -> dict:
        merged: dict = {}
        files = sorted(self.path.glob("*.toml")) if self.path.is_dir() else []
        if not files:
            self.problems.append(Problem(str(self.path), "pack", "no .toml files found"))
            return merged
        for file in files:
            name = file.name
            try:
                text = file.read_text(encoding="utf-8")
                data = tomllib.loads(text)
            except UnicodeDecodeError as exc:
                self.problems.append(Problem(name, "file", f"not UTF-8 text: {exc}"))
                continue
            except tomllib.TOMLDecodeError as exc:
                line = getattr(exc, "lineno", None)
                self.problems.append(Problem(name, "file", f"not valid TOML: {exc}", line))
                continue
            self.texts[name] = text
            for table, value in data.items():
                if table in SINGLE_TABLES or table in OPEN_TABLES:
                    if table in merged:
                        self.problems.append(Problem(name, table, f"[{table}] is defined twice"))
                        continue
                    merged[table] = value
                    self.origins[table] = name
                elif table in NAMED_TABLES:
                    if not isinstance(value, dict):
                        self.problems.append(Problem(name, table, "must be a table of items"))
                        continue
                    for key, item in value.items():
                        ref = f"{table}.{key}"
                        if ref in self.origins:
                            self.problem(ref, f"defined twice (also in {self.origins[ref]})", name)
                            continue
                        merged.setdefault(table, {})[key] = item
                        self.origins[ref] = name
                else:
                    self.problems.append(Problem(name, table, f"unknown table [{table}]"))
        return merged

    def fields(self, kind: str, ref: str, item: object) -> dict | None:
        """``item`` checked against the schema for its kind; None when it is unusable."""
        if not isinstance(item, dict):
            self.problem(ref, "must be a table")
            return None
        schema = SCHEMA[kind]
        ok = True
        for key in item:
            if key not in schema:
                self.problem(ref, f"unknown field {key!r}", key=key)
                ok = False
        for key, (required, types) in schema.items():
            if key not in item:
                if required:
                    self.problem(ref, f"missing field {key!r}")
                    ok = False
            elif not isinstance(item[key], types) or isinstance(item[key], bool) and types is _INT:
                self.problem(ref, f"field {key!r} has the wrong type", key=key)
                ok = False
        if ok:
            for key in ("review_by",):
                if key in item:
                    try:
                        _date(item[key])
                    except ValueError:
                        self.problem(ref, f"{key} is not a date (YYYY-MM-DD)", key=key)
                        ok = False
        return item if ok else None


def load_pack(path: str | Path) -> Pack:
    """Load, check and pre-render the pack in folder ``path``; raise PackError if unfit."""
    loader = Loader(Path(path))
    data = loader.read()
    settings = {t: loader.fields(t, t, data.get(t)) if t in data else None for t in SINGLE_TABLES}
    for table in SINGLE_TABLES:
        if table not in data:
            loader.problems.append(Problem(str(path), table, f"missing table [{table}]"))
    meta, sms = settings.get("pack"), settings.get("sms")
    if loader.problems or meta is None or sms is None:
        raise PackError(loader.problems)

    pack = Pack(
        id=meta["id"],
        name=meta["name"],
        locale=meta["locale"],
        region=meta["region"],
        path=Path(path),
        sms_segments=meta.get("sms_segments", 3),
        link_domains=tuple(meta["link_domains"]),
        owner=meta.get("owner", ""),
        review_by=_date(meta.get("review_by")),
        main_menu=sms["main_menu"],
        nation=meta.get("nation", DEFAULT_NATION),
        footer=sms["footer"],
        opted_out=sms["opted_out"],
        unsure_menu=sms.get("unsure_menu", ""),
        at_risk_again=sms.get("at_risk_again", ""),
        pair_question=sms.get("pair_question", ""),
        voice=data.get("voice", {}),
        origins=loader.origins,
        open_now_intro=sms.get("open_now", "Open now:"),
        safety=data["safety"] if isinstance(data.get("safety"), dict) else {},
    )
    for key, item in data.get("sources", {}).items():
        if loader.fields("sources", f"sources.{key}", item):
            pack.sources[key] = item
    for key, item in data.get("numbers", {}).items():
        if f := loader.fields("numbers", f"numbers.{key}", item):
            pack.numbers[key] = Number(
                id=key,
                name=f["name"],
                number=f["number"],
                kind=f["kind"],
                source=_tuple(f["source"]),
                email=f.get("email", ""),
                hours=f.get("hours", ""),
                opening=f.get("opening"),
                audience=f.get("audience", ""),
                short_name=f.get("short_name", ""),
                text_service=f.get("text_service", False),
                confirm=_confirm(f.get("confirm")),
                review_by=_date(f.get("review_by")),
            )
    for key, item in data.get("links", {}).items():
        if f := loader.fields("links", f"links.{key}", item):
            pack.links[key] = Link(
                id=key,
                title=f["title"],
                url=f["url"],
                source=_tuple(f["source"]),
                about=f.get("about", ""),
                confirm=_confirm(f.get("confirm")),
                review_by=_date(f.get("review_by")),
            )
    for key, item in data.get("topics", {}).items():
        if f := loader.fields("topics", f"topics.{key}", item):
            pack.topics[key] = Topic(
                id=key,
                title=f["title"],
                sms=f["sms"],
                source=_tuple(f["source"]),
                keywords=tuple(f.get("keywords", ())),
                voice=f.get("voice", ""),
                spoken_title=f.get("spoken_title", ""),
                confirm=_confirm(f.get("confirm")),
                review_by=_date(f.get("review_by")),
                segments=f.get("segments"),
                transfer=f.get("transfer", ""),
                by_text=f.get("by_text", ""),
                examples=tuple(f.get("examples", ())),
                reader=f.get("reader", PROFESSIONAL),
                footer=f.get("footer", True),
                by_voice=f.get("by_voice", ""),
            )
            if pack.topics[key].reader not in READERS:
                loader.problem(f"topics.{key}", f"reader must be one of {', '.join(READERS)}", key="reader")
    for key, item in data.get("menus", {}).items():
        if f := loader.fields("menus", f"menus.{key}", item):
            pack.menus[key] = Menu(
                id=key,
                channel=f["channel"],
                title=f["title"],
                options=tuple(f["options"]),
                keywords=tuple(f.get("keywords", ())),
                intro=f.get("intro", ""),
                outro=f.get("outro", ""),
                spoken_title=f.get("spoken_title", ""),
                hints=tuple(f.get("hints", ())),
                examples=tuple(f.get("examples", ())),
                segments=f.get("segments"),
                reader=f.get("reader", PROFESSIONAL),
            )
            if pack.menus[key].reader not in READERS:
                loader.problem(f"menus.{key}", f"reader must be one of {', '.join(READERS)}", key="reader")

    if pack.nation not in NATIONS:
        loader.problem("pack", f"nation must be one of {', '.join(NATIONS)}", key="nation")
    read_written_examples(pack, loader)
    check_references(pack, loader)
    read_openings(pack, loader, meta.get("open_now", {}))
    if not loader.problems:
        render_sms(pack, loader)
    if not loader.problems and "voice" in data:
        render_voice(pack, loader, data["voice"])
    if loader.problems:
        raise PackError(loader.problems)
    return pack


# Messages written by people briefed as each kind of texter and caller, each with the page
# it should get, kept apart from the editors' own examples in topics.toml and menus.toml.
WRITTEN_EXAMPLES = "examples"


def read_written_examples(pack: Pack, loader: Loader) -> None:
    """Add each ``examples/*.toml`` case (``[[case]]`` with ``text`` and ``page``) to its
    page's examples: matched and learnt from exactly as an example in the page itself."""
    for path in sorted((pack.path / WRITTEN_EXAMPLES).glob("*.toml")):
        ref = f"{WRITTEN_EXAMPLES}/{path.name}"
        try:
            cases = tomllib.loads(path.read_text(encoding="utf-8")).get("case", [])
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            loader.problems.append(Problem(ref, "file", f"not valid TOML: {exc}"))
            continue
        added: dict[str, list[str]] = {}
        for n, case in enumerate(cases, 1):
            text, page = (case.get("text"), case.get("page")) if isinstance(case, dict) else (None, None)
            if not isinstance(text, str) or not text.strip() or not isinstance(page, str):
                loader.problems.append(Problem(ref, f"case {n}", "needs text and page (both text)"))
            elif page not in pack.topics and page not in pack.menus:
                loader.problems.append(Problem(ref, f"case {n}", f"page {page!r} names no topic or menu"))
            else:
                added.setdefault(page, []).append(text)
        for page, texts in added.items():
            if page in pack.topics:
                pack.topics[page] = replace(pack.topics[page], examples=(*pack.topics[page].examples, *texts))
            else:
                pack.menus[page] = replace(pack.menus[page], examples=(*pack.menus[page].examples, *texts))


def check_references(pack: Pack, loader: Loader) -> None:
    for kind, items in (("numbers", pack.numbers), ("links", pack.links), ("topics", pack.topics)):
        for key, item in items.items():
            for source in item.source:
                if source not in pack.sources:
                    loader.problem(f"{kind}.{key}", f"source {source!r} is not in [sources]", key="source")
    for key, menu in pack.menus.items():
        ref = f"menus.{key}"
        if menu.channel not in CHANNELS:
            loader.problem(ref, f"channel must be one of {', '.join(CHANNELS)}", key="channel")
        if not menu.options:
            loader.problem(ref, "offers no options", key="options")
        if menu.channel == "voice" and len(menu.options) > VOICE_MAX_OPTIONS:
            loader.problem(ref, f"offers {len(menu.options)} choices; a voice menu may offer at most {VOICE_MAX_OPTIONS}", key="options")
        for option in menu.options:
            if not isinstance(option, str) or pack.node(option) is None:
                loader.problem(ref, f"option {option!r} names no topic or menu", key="options")
    main = pack.menus.get(pack.main_menu)
    if main is None or main.channel != "sms":
        loader.problem("sms", f"main_menu {pack.main_menu!r} is not an SMS menu", key="main_menu")
    unsure = pack.menus.get(pack.unsure_menu) if pack.unsure_menu else None
    if pack.unsure_menu and (unsure is None or unsure.channel != "sms"):
        loader.problem("sms", f"unsure_menu {pack.unsure_menu!r} is not an SMS menu", key="unsure_menu")
    if pack.at_risk_again and pack.at_risk_again not in pack.topics:
        loader.problem("sms", f"at_risk_again {pack.at_risk_again!r} names no topic", key="at_risk_again")
    seen: dict[str, str] = {}
    nodes: list[Topic | Menu] = [*pack.topics.values(), *(m for m in pack.menus.values() if m.channel == "sms")]
    for node in nodes:
        kind = "topics" if node.id in pack.topics else "menus"
        for word in node.keywords:
            if not isinstance(word, str) or not compact(word):
                loader.problem(f"{kind}.{node.id}", f"keyword {word!r} has no letters or digits", key="keywords")
                continue
            key = compact(word)
            if seen.get(key, node.id) != node.id:
                loader.problem(f"{kind}.{node.id}", f"keyword {word!r} is also a keyword of {seen[key]}", key="keywords")
            seen[key] = node.id
