"""A content pack: the guidance as data, loaded, checked and pre-rendered.

A pack is a folder of TOML files (see ``messages/README.md``). Loading it either
gives a complete, valid :class:`Pack` or raises :class:`PackError` listing every
problem with its file and item: the line never serves half a pack. Every SMS page
is rendered here, once, so a reply that cannot fit its budget is found when the
pack loads, never cut short in front of a texter.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flows import gsm, templates
from flows.hours import Opening
from flows.keywords import VOICE_COMMANDS, KeywordIndex, compact
from flows.render import sms_page

# Each kind of table, its required and optional fields, and their types.
_STR, _LIST, _INT, _DICT = str, list, int, dict
_DATE = (str, dt.date)
_SOURCE = (str, list)
_CONFIRM = (str, bool)
SCHEMA: dict[str, dict[str, tuple[bool, type | tuple]]] = {
    "pack": {
        "id": (True, _STR), "name": (True, _STR), "locale": (True, _STR),
        "region": (True, _STR), "owner": (False, _STR), "review_by": (False, _DATE),
        "sms_segments": (False, _INT), "link_domains": (True, _LIST),
    },
    "sms": {"main_menu": (True, _STR), "footer": (True, _STR), "opted_out": (True, _STR)},
    "sources": {"title": (True, _STR), "url": (False, _STR)},
    "numbers": {
        "name": (True, _STR), "number": (True, _STR), "kind": (True, _STR),
        "email": (False, _STR), "hours": (False, _STR), "opening": (False, _DICT),
        "audience": (False, _STR), "source": (True, _SOURCE), "confirm": (False, _CONFIRM),
        "review_by": (False, _DATE),
    },
    "links": {
        "title": (True, _STR), "url": (True, _STR), "about": (False, _STR),
        "source": (True, _SOURCE), "confirm": (False, _CONFIRM), "review_by": (False, _DATE),
    },
    "topics": {
        "title": (True, _STR), "keywords": (False, _LIST), "source": (True, _SOURCE),
        "sms": (True, _STR), "voice": (False, _STR), "confirm": (False, _CONFIRM),
        "review_by": (False, _DATE), "segments": (False, _INT), "spoken_title": (False, _STR),
        "transfer": (False, _STR), "by_text": (False, _STR),
    },
    "menus": {
        "channel": (True, _STR), "title": (True, _STR), "keywords": (False, _LIST),
        "intro": (False, _STR), "outro": (False, _STR), "options": (True, _LIST),
        "spoken_title": (False, _STR), "hints": (False, _LIST),
    },
    "voice": {
        "main_menu": (True, _STR), "voice": (False, _STR), "language": (False, _STR),
        "timeout": (False, _INT), "dial_timeout": (False, _INT), "slow_rate": (False, _STR),
        "hints": (False, _LIST), "say": (True, _DICT),
        # The speaking rate check times each prompt at (words a minute).
        "words_per_minute": (False, _INT),
    },
}
# What the voice line says between the content, each a [voice.say] field.
VOICE_SAY = (
    "greeting", "keys", "option", "by_text", "put_through", "not_a_choice", "reprompt",
    "slower", "no_input_goodbye", "fallback", "open_now", "closed_now", "putting_through",
    "dial_failed", "dial_ended", "confirm_caller", "enter_number", "not_a_mobile",
    "confirm_number", "too_many_tries", "sent", "cannot_text", "opted_out", "capped",
    "send_failed",
)
VOICE_DEFAULTS = {
    "voice": "Polly.Amy-Neural", "language": "en-GB", "timeout": 8, "dial_timeout": 30,
    "slow_rate": "80%", "hints": [],
}
# Fewer choices than this are what a listener can hold in mind (FACTS.md, section 6).
VOICE_MAX_OPTIONS = 5
# Callers need time to find the keypad: Twilio's 5 second default is too short.
VOICE_MIN_TIMEOUT = 8
SINGLE_TABLES = ("pack", "sms")
NAMED_TABLES = ("sources", "numbers", "links", "topics", "menus")
# Tables a channel renderer owns and checks for itself (the voice settings).
OPEN_TABLES = ("voice",)
CHANNELS = ("sms", "voice")
OPTED_OUT = "opted_out"


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.item}: {self.message}"


class PackError(Exception):
    """A pack that cannot be served; ``problems`` says every reason, by file and item."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("content pack failed to load:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Number:
    id: str
    name: str
    number: str
    kind: str
    source: tuple[str, ...]
    email: str = ""
    hours: str = ""
    opening: dict | None = None
    audience: str = ""
    confirm: str = ""
    review_by: dt.date | None = None


@dataclass(frozen=True)
class Link:
    id: str
    title: str
    url: str
    source: tuple[str, ...]
    about: str = ""
    confirm: str = ""
    review_by: dt.date | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sms: str
    source: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    voice: str = ""
    spoken_title: str = ""
    confirm: str = ""
    review_by: dt.date | None = None
    segments: int | None = None
    transfer: str = ""
    # The topic whose SMS page a caller is sent when they ask for this one by text.
    by_text: str = ""


@dataclass(frozen=True)
class Menu:
    id: str
    channel: str
    title: str
    options: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    intro: str = ""
    outro: str = ""
    spoken_title: str = ""
    hints: tuple[str, ...] = ()


@dataclass
class Pack:
    id: str
    name: str
    locale: str
    region: str
    path: Path
    sms_segments: int
    link_domains: tuple[str, ...]
    main_menu: str
    footer: str
    opted_out: str
    owner: str = ""
    review_by: dt.date | None = None
    sources: dict[str, dict] = field(default_factory=dict)
    numbers: dict[str, Number] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    menus: dict[str, Menu] = field(default_factory=dict)
    voice: dict = field(default_factory=dict)
    # Filled by the loader: node id -> the whole SMS, 999 line first.
    sms_pages: dict[str, str] = field(default_factory=dict)
    keywords: KeywordIndex | None = None
    # Where each item was defined: "topics.steps" -> "topics.toml".
    origins: dict[str, str] = field(default_factory=dict)
    # Filled by the loader when the pack has a [voice] table: topic id -> what is
    # said, [voice.say] name -> what is said, and the words a caller may say.
    voice_texts: dict[str, str] = field(default_factory=dict)
    voice_say: dict[str, str] = field(default_factory=dict)
    voice_keywords: KeywordIndex | None = None
    openings: dict[str, Opening] = field(default_factory=dict)

    @property
    def voice_main(self) -> str | None:
        return self.voice.get("main_menu") if self.voice_say else None

    def voice_setting(self, name: str):
        return self.voice.get(name, VOICE_DEFAULTS.get(name))

    def node(self, node_id: str) -> Topic | Menu | None:
        return self.topics.get(node_id) or self.menus.get(node_id)

    def budget(self, node_id: str) -> int:
        topic = self.topics.get(node_id)
        return (topic.segments if topic and topic.segments else None) or self.sms_segments

    def sms_menu_page(self, menu: Menu) -> str:
        lines = [menu.intro] if menu.intro else []
        lines += [f"{n} {self.node(o).title}" for n, o in enumerate(menu.options, 1)]
        if menu.outro:
            lines.append(menu.outro)
        footer = "" if menu.id == self.main_menu else self.footer
        return sms_page("\n".join(lines), footer)


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


class _Loader:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.texts: dict[str, str] = {}
        self.origins: dict[str, str] = {}

    def problem(self, item: str, message: str, file: str | None = None, key: str | None = None):
        file = file or self.origins.get(item, "?")
        self.problems.append(Problem(file, item, message, self._line(file, item, key)))

    def _line(self, file: str, item: str, key: str | None) -> int | None:
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
    loader = _Loader(Path(path))
    data = loader.read()
    settings = {t: loader.fields(t, t, data.get(t)) if t in data else None for t in SINGLE_TABLES}
    for table in SINGLE_TABLES:
        if table not in data:
            loader.problems.append(Problem(str(path), table, f"missing table [{table}]"))
    if loader.problems or None in settings.values():
        raise PackError(loader.problems)

    meta, sms = settings["pack"], settings["sms"]
    pack = Pack(
        id=meta["id"], name=meta["name"], locale=meta["locale"], region=meta["region"],
        path=Path(path), sms_segments=meta.get("sms_segments", 3),
        link_domains=tuple(meta["link_domains"]), owner=meta.get("owner", ""),
        review_by=_date(meta.get("review_by")), main_menu=sms["main_menu"],
        footer=sms["footer"], opted_out=sms["opted_out"], voice=data.get("voice", {}),
        origins=loader.origins,
    )
    for key, item in data.get("sources", {}).items():
        if loader.fields("sources", f"sources.{key}", item):
            pack.sources[key] = item
    for key, item in data.get("numbers", {}).items():
        if f := loader.fields("numbers", f"numbers.{key}", item):
            pack.numbers[key] = Number(
                id=key, name=f["name"], number=f["number"], kind=f["kind"],
                source=_tuple(f["source"]), email=f.get("email", ""), hours=f.get("hours", ""),
                opening=f.get("opening"), audience=f.get("audience", ""),
                confirm=_confirm(f.get("confirm")), review_by=_date(f.get("review_by")),
            )
    for key, item in data.get("links", {}).items():
        if f := loader.fields("links", f"links.{key}", item):
            pack.links[key] = Link(
                id=key, title=f["title"], url=f["url"], source=_tuple(f["source"]),
                about=f.get("about", ""), confirm=_confirm(f.get("confirm")),
                review_by=_date(f.get("review_by")),
            )
    for key, item in data.get("topics", {}).items():
        if f := loader.fields("topics", f"topics.{key}", item):
            pack.topics[key] = Topic(
                id=key, title=f["title"], sms=f["sms"], source=_tuple(f["source"]),
                keywords=tuple(f.get("keywords", ())), voice=f.get("voice", ""),
                spoken_title=f.get("spoken_title", ""), confirm=_confirm(f.get("confirm")),
                review_by=_date(f.get("review_by")), segments=f.get("segments"),
                transfer=f.get("transfer", ""), by_text=f.get("by_text", ""),
            )
    for key, item in data.get("menus", {}).items():
        if f := loader.fields("menus", f"menus.{key}", item):
            pack.menus[key] = Menu(
                id=key, channel=f["channel"], title=f["title"], options=tuple(f["options"]),
                keywords=tuple(f.get("keywords", ())), intro=f.get("intro", ""),
                outro=f.get("outro", ""), spoken_title=f.get("spoken_title", ""),
                hints=tuple(f.get("hints", ())),
            )

    _check_references(pack, loader)
    if not loader.problems:
        _render_sms(pack, loader)
    if not loader.problems and "voice" in data:
        _render_voice(pack, loader, data["voice"])
    if loader.problems:
        raise PackError(loader.problems)
    return pack


def _check_references(pack: Pack, loader: _Loader) -> None:
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
            loader.problem(ref, f"offers {len(menu.options)} choices; a voice menu may offer "
                                f"at most {VOICE_MAX_OPTIONS}", key="options")
        for option in menu.options:
            if not isinstance(option, str) or pack.node(option) is None:
                loader.problem(ref, f"option {option!r} names no topic or menu", key="options")
    main = pack.menus.get(pack.main_menu)
    if main is None or main.channel != "sms":
        loader.problem("sms", f"main_menu {pack.main_menu!r} is not an SMS menu", key="main_menu")
    seen: dict[str, str] = {}
    for node in [*pack.topics.values(), *(m for m in pack.menus.values() if m.channel == "sms")]:
        kind = "topics" if node.id in pack.topics else "menus"
        for word in node.keywords:
            if not isinstance(word, str) or not compact(word):
                loader.problem(f"{kind}.{node.id}", f"keyword {word!r} has no letters or digits", key="keywords")
                continue
            key = compact(word)
            if seen.get(key, node.id) != node.id:
                loader.problem(f"{kind}.{node.id}", f"keyword {word!r} is also a keyword of {seen[key]}", key="keywords")
            seen[key] = node.id


def _render_sms(pack: Pack, loader: _Loader) -> None:
    pages: dict[str, tuple[str, str]] = {}  # node id -> (item ref, page)
    for key, topic in pack.topics.items():
        ref = f"topics.{key}"
        try:
            body = templates.fill(topic.sms, pack.numbers, pack.links, "sms")
        except templates.DanglingReference as exc:
            loader.problem(ref, f"dangling reference: {exc}", key="sms")
            continue
        pages[key] = (ref, sms_page(body, pack.footer))
    for key, menu in pack.menus.items():
        if menu.channel == "sms":
            pages[key] = (f"menus.{key}", pack.sms_menu_page(menu))
    pages[OPTED_OUT] = ("sms", sms_page(pack.opted_out))

    for node_id, (ref, page) in pages.items():
        bad = gsm.non_gsm(page)
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad)
            loader.problem(ref, f"characters SMS cannot carry in GSM-7: {shown}")
            continue
        parts, budget = gsm.segments(page), pack.budget(node_id)
        if parts > budget:
            loader.problem(
                ref,
                f"SMS takes {parts} parts ({gsm.septets(page)} characters with the 999 line "
                f"and footer); the budget is {budget}",
            )
        pack.sms_pages[node_id] = page
    keywords = {}
    for node in [*pack.topics.values(), *pack.menus.values()]:
        if node.id in pack.sms_pages:
            keywords.update({word: node.id for word in node.keywords})
    pack.keywords = KeywordIndex(keywords)


def _render_voice(pack: Pack, loader: _Loader, table: object) -> None:
    """Check the voice menus and fill every spoken text now, so none fails mid-call."""
    settings = loader.fields("voice", "voice", table)
    if settings is None:
        return
    if settings.get("timeout", VOICE_MIN_TIMEOUT) < VOICE_MIN_TIMEOUT:
        loader.problem("voice", f"timeout must be at least {VOICE_MIN_TIMEOUT} seconds", key="timeout")
    for key, number in pack.numbers.items():
        if number.opening is not None:
            try:
                pack.openings[key] = Opening.from_pack(number.opening)
            except ValueError as exc:
                loader.problem(f"numbers.{key}", str(exc), key="opening")

    def spoken(ref: str, text: str, key: str) -> str | None:
        try:
            # Line breaks help editors read; a voice needs only the sentences.
            return " ".join(templates.fill(text, pack.numbers, pack.links, "voice").split())
        except templates.LinkInSpeech as exc:
            loader.problem(ref, f"{exc}: offer links by text, never read them out", key=key)
        except templates.DanglingReference as exc:
            loader.problem(ref, f"dangling reference: {exc}", key=key)
        return None

    say = settings["say"]
    for name in VOICE_SAY:
        if not isinstance(say.get(name), str) or not say[name].strip():
            loader.problem("voice", f"[voice.say] needs {name!r} (text)", key="say")
        elif (text := spoken("voice", say[name], "say")) is not None:
            pack.voice_say[name] = text
    for name in say:
        if name not in VOICE_SAY:
            loader.problem("voice", f"[voice.say] has unknown field {name!r}", key="say")
    for key, topic in pack.topics.items():
        if topic.voice and (text := spoken(f"topics.{key}", topic.voice, "voice")) is not None:
            pack.voice_texts[key] = text
        if topic.transfer and topic.transfer not in pack.numbers:
            loader.problem(f"topics.{key}", f"transfer {topic.transfer!r} names no number", key="transfer")
        if topic.by_text and topic.by_text not in pack.topics:
            loader.problem(f"topics.{key}", f"by_text {topic.by_text!r} names no topic", key="by_text")

    main = pack.menus.get(settings["main_menu"])
    if main is None or main.channel != "voice":
        loader.problem("voice", f"main_menu {settings['main_menu']!r} is not a voice menu", key="main_menu")
    words: dict[str, str] = {}
    for key, menu in pack.menus.items():
        if menu.channel != "voice":
            continue
        ref = f"menus.{key}"
        words.update({word: key for word in menu.keywords})
        for option in menu.options:
            node = pack.node(option)
            if isinstance(node, Menu) and node.channel != "voice":
                loader.problem(ref, f"option {option!r} is an SMS menu", key="options")
            elif isinstance(node, Topic) and not node.voice:
                loader.problem(ref, f"option {option!r} has no voice text to say", key="options")
            elif isinstance(node, Topic):
                words.update({word: option for word in node.keywords})
    if not loader.problems:
        # Commands last: "text me the links" is a request, not the links topic.
        words.update({word: f"#{command}" for word, command in VOICE_COMMANDS.items()})
        pack.voice_keywords = KeywordIndex(words)
        pack.voice = {**VOICE_DEFAULTS, **settings}
