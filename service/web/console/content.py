"""The content page and the review list: the pack as texters see it and callers hear it.

Everything comes from the loaded pack (the pages exactly as they are sent, 999 line
first) and from ``flows.check``, so the console can never disagree with ``signpost
check`` or with the line itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request

from flows import gsm
from flows.check import WORDS_PER_MINUTE, speaking_seconds
from flows.pack import OPTED_OUT, Pack
from flows.voice import BACK, MAIN, REPEAT, SLOWER
from flows.voice_page import TEXT_KEY, TRANSFER_KEY, menu_heard, page_heard
from service.web.console.blueprint import bp

COMMON_KEYS = f"{REPEAT} repeat, {MAIN} main menu, {'star' if BACK == '*' else BACK} back, {SLOWER} slower"


@dataclass(frozen=True)
class SmsPage:
    id: str
    title: str
    lines: tuple[str, ...]
    parts: int
    budget: int
    encoding: str
    characters: int


@dataclass(frozen=True)
class VoicePage:
    id: str
    title: str
    kind: str  # topic or menu
    spoken: str
    seconds: int
    keys: str


# Replies that are no page of the pack, in words.
NOT_A_PAGE = {OPTED_OUT: "Opted out (the reply to STOP)"}


def sms_pages(pack: Pack) -> list[SmsPage]:
    pages = []
    # Each page, and each way it reads while the helplines it names are closed.
    for key, text in pack.sms_variants.items():
        node_id, _, added = key.partition("+")
        node = pack.node(node_id)
        title = node.title if node else NOT_A_PAGE.get(node_id, node_id.replace("_", " ").capitalize())
        if added:
            # Each way a page reads after hours names the lines it adds: two such versions
            # of one page must not read alike.
            named = [pack.numbers[n].name if n in pack.numbers else n for n in added.split("+")]
            title += f" (while its helplines are closed: naming {' and '.join(named)})"
        pages.append(
            SmsPage(
                id=key,
                title=title,
                lines=tuple(text.splitlines()),
                parts=gsm.segments(text),
                budget=pack.budget(node_id),
                encoding=encoding_words(text),
                characters=characters(text),
            )
        )
    return pages


def characters(text: str) -> int:
    """As the networks count them: an escaped character (``€``, ``[``) is two in GSM-7."""
    return gsm.septets(text) if gsm.is_gsm(text) else len(text)


def size_words(text: str) -> str:
    """How long a text is, as a phone bill counts it: "Sent as 2 texts (215 characters)"."""
    parts = gsm.segments(text)
    special = encoding_words(text)
    return f"Sent as {parts} text{'' if parts == 1 else 's'} ({characters(text)} characters{', ' + special if special else ''})"


def encoding_words(text: str) -> str:
    """A character outside the SMS alphabet (GSM-7) sends the whole text as UCS-2, with
    fewer characters a part: said, in a manager's words, only then."""
    return "" if gsm.is_gsm(text) else "a special character making each text shorter"


def voice_pages(pack: Pack) -> list[VoicePage]:
    if not pack.voice_say:
        return []
    rate = float(pack.voice_setting("words_per_minute") or WORDS_PER_MINUTE)
    pages = []
    for menu in pack.menus.values():
        if menu.channel != "voice":
            continue
        options = [f"{n} {node.spoken_title or node.title}" for n, o in enumerate(menu.options, 1) if (node := pack.node(o))]
        spoken = " ".join(menu_heard(pack, menu))  # as a caller hears it, 999 line and all
        pages.append(
            VoicePage(
                menu.id,
                menu.spoken_title or menu.title,
                "menu",
                spoken,
                speaking_seconds(spoken, rate),
                ", ".join(options) + "; " + COMMON_KEYS,
            )
        )
    for topic_id in pack.voice_texts:
        topic = pack.topics[topic_id]
        spoken = " ".join(page_heard(pack, topic_id))
        keys = f"{TEXT_KEY} by text"
        if topic.transfer:
            keys += f", {TRANSFER_KEY} put through (while the helpline is open)"
        pages.append(
            VoicePage(
                topic_id, topic.spoken_title or topic.title, "topic", spoken, speaking_seconds(spoken, rate), f"{keys}; {COMMON_KEYS}"
            )
        )
    return pages


def menu_tree(pack: Pack, root: str | None) -> dict | None:
    """{id, title, children} from ``root`` down; a menu met again is shown, not followed."""
    if not root:
        return None

    def walk(node_id: str, seen: frozenset) -> dict:
        node = pack.node(node_id)
        menu = pack.menus.get(node_id)
        children = []
        if menu and node_id not in seen:
            children = [walk(o, seen | {node_id}) for o in menu.options]
        return {"id": node_id, "title": node.title if node else node_id, "menu": bool(menu), "children": children}

    return walk(root, frozenset())


def chosen_pack() -> tuple[Pack, list[str]]:
    line = current_app.extensions["signpost"]
    packs = {p.id: p for p in line.every_pack}
    pack = packs.get(request.args.get("pack", "")) or line.pack
    return pack, list(packs)


@bp.get("/content")
def content():
    pack, packs = chosen_pack()
    return render_template(
        "console/content.html",
        pack=pack,
        packs=packs,
        sms=sms_pages(pack),
        voice=voice_pages(pack),
        sms_tree=menu_tree(pack, pack.main_menu),
        voice_tree=menu_tree(pack, pack.voice_main),
        # One of the questions between two close pages, as sent, and how many there are.
        pair=next(iter(pack.pair_questions.values()), ""),
        pairs=len(pack.pair_questions),
    )
