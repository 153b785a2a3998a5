"""A loaded content pack, as the conversation reads it: numbers, links, topics, menus,
and the pages and prompts the loader rendered from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flows.hours import DEFAULT_NATION, Opening
from flows.keywords import KeywordIndex
from flows.pack.schema import OPTED_OUT, VOICE_DEFAULTS
from flows.understand import Understanding


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
    # What people text when this page is what they want (flows.understand learns from them).
    examples: tuple[str, ...] = ()


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
    examples: tuple[str, ...] = ()
    segments: int | None = None


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
    # The short menu sent when the line cannot tell which page a text wants ("" : the main menu).
    unsure_menu: str = ""
    owner: str = ""
    review_by: dt.date | None = None
    nation: str = DEFAULT_NATION
    sources: dict[str, dict] = field(default_factory=dict)
    numbers: dict[str, Number] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    menus: dict[str, Menu] = field(default_factory=dict)
    voice: dict = field(default_factory=dict)
    # Filled by the loader: node id -> the whole SMS, 999 line first.
    sms_pages: dict[str, str] = field(default_factory=dict)
    keywords: KeywordIndex | None = None
    # Free text to pages, from each page's examples and keywords (flows.understand).
    understanding: Understanding | None = None
    # Where each item was defined: "topics.steps" -> "topics.toml".
    origins: dict[str, str] = field(default_factory=dict)
    # Filled by the loader when the pack has a [voice] table: topic id -> what is
    # said, [voice.say] name -> what is said, and the words a caller may say.
    voice_texts: dict[str, str] = field(default_factory=dict)
    # topic id -> its voice text as (first line, the rest): the line says the 999
    # reminder between them, so the first line is what the page is most for.
    voice_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    voice_say: dict[str, str] = field(default_factory=dict)
    voice_keywords: KeywordIndex | None = None
    openings: dict[str, Opening] = field(default_factory=dict)

    @property
    def voice_main(self) -> str | None:
        return self.voice.get("main_menu") if self.voice_say else None

    def voice_lead(self, topic_id: str) -> tuple[str, ...]:
        """A topic's voice text: its first line, then the rest (when there is more)."""
        return self.voice_parts.get(topic_id) or (self.voice_texts[topic_id],)

    def voice_setting(self, name: str):
        return self.voice.get(name, VOICE_DEFAULTS.get(name))

    def node(self, node_id: str) -> Topic | Menu | None:
        return self.topics.get(node_id) or self.menus.get(node_id)

    def budget(self, node_id: str) -> int:
        if node_id == OPTED_OUT:
            # The confirmation of an opt-out is one part, whatever the pack says.
            return 1
        node = self.node(node_id)
        return (node.segments if node and node.segments else None) or self.sms_segments
