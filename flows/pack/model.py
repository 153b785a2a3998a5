"""A loaded content pack, as the conversation reads it: numbers, links, topics, menus,
and the pages and prompts the loader rendered from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flows.hours import DEFAULT_NATION, Opening
from flows.keywords import KeywordIndex
from flows.render import PROFESSIONAL
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
    opening: dict | list | str | None = None
    # How a short line names it ("Out-of-hours social worker"); the name when empty.
    short_name: str = ""
    text_service: bool = False
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
    # Who the page is for (flows.render.READERS): its 999 line and open-now choices.
    reader: str = PROFESSIONAL
    footer: bool = True
    by_voice: str = ""


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
    # Who may be reading (flows.render.READERS): its 999 line is worded for them.
    reader: str = PROFESSIONAL


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
    # The short page for what someone sends straight after the at-risk page (flows.sms).
    at_risk_again: str = ""
    # The words before a question between two close pages ("" : no such question, the
    # unsure menu instead), and the questions, rendered by the loader: ``ask:dos:steps``
    # (render_sms.pair_id) -> the whole SMS.
    pair_question: str = ""
    pair_questions: dict[str, str] = field(default_factory=dict)
    owner: str = ""
    review_by: dt.date | None = None
    nation: str = DEFAULT_NATION
    sources: dict[str, dict] = field(default_factory=dict)
    numbers: dict[str, Number] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    menus: dict[str, Menu] = field(default_factory=dict)
    voice: dict = field(default_factory=dict)
    # What the pack must never say, and what each reader's page must carry (flows.safety).
    safety: dict = field(default_factory=dict)
    # Filled by the loader: node id -> the whole SMS, 999 line first.
    sms_pages: dict[str, str] = field(default_factory=dict)
    keywords: KeywordIndex = field(default_factory=lambda: KeywordIndex({}))
    # Free text to pages, from each page's examples and keywords (flows.understand).
    understanding: Understanding = field(default_factory=lambda: Understanding({}))
    # Where each item was defined: "topics.steps" -> "topics.toml".
    origins: dict[str, str] = field(default_factory=dict)
    # Filled by the loader when the pack has a [voice] table: topic id -> what is
    # said, [voice.say] name -> what is said, and the words a caller may say.
    voice_texts: dict[str, str] = field(default_factory=dict)
    # topic id -> its voice text as (first line, the rest): the line says the 999
    # reminder between them, so the first line is what the page is most for.
    voice_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    voice_say: dict[str, str] = field(default_factory=dict)
    voice_keywords: KeywordIndex = field(default_factory=lambda: KeywordIndex({}))
    openings: dict[str, Opening] = field(default_factory=dict)
    # reader -> the numbers to name, first choice first, when a page's helplines are
    # closed; and how a text introduces them ("Open now:").
    open_now: dict[str, tuple[str, ...]] = field(default_factory=dict)
    open_now_intro: str = "Open now:"
    # page key (node id, or node id and the numbers it adds, see flows.pack.open_now) -> the whole SMS.
    sms_variants: dict[str, str] = field(default_factory=dict)

    def sms_page(self, node_id: str, at: dt.datetime | None = None) -> str:
        """The SMS page for ``node_id`` as it reads at ``at``: naming a helpline open then."""
        from flows.pack.open_now import page_key

        return self.sms_variants.get(page_key(self, node_id, at)) or self.sms_pages[node_id]

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
