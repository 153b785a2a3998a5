"""What one step of a call says about where the caller is: a page's lines (its lead,
whether its helpline is open, one open now if it is closed), the choices after it, and
the keys that work there. Pure functions of the pack, the session and the hour, used
by ``flows.voice`` to build each turn."""

from __future__ import annotations

import datetime as dt

from flows.hours import spoken_when
from flows.model import Session
from flows.pack import Menu, Pack, Phrase, open_now, spoken_options
from flows.render import voice_turn

# After a page: the same keys whatever the hour, so a caller who learnt them keeps them.
TEXT_KEY, TRANSFER_KEY = "1", "2"
# Put-throughs to a helpline in one call: each is a call the line pays for.
TRANSFERS_PER_CALL = 2


def page_actions(pack: Pack, topic_id: str, at: dt.datetime | None, transfers: int = 0) -> dict[str, str]:
    """What a caller can do after a topic, and its key: get it by text, be put through.

    Fixed keys, so that a key means the same on a page whatever the hour: "put me
    through" is left out while the helpline is closed, or once the call has been put
    through ``TRANSFERS_PER_CALL`` times, and "text me" keeps its key.
    """
    topic = pack.topics[topic_id]
    actions = {"text": TEXT_KEY}
    if topic.transfer and transfers < TRANSFERS_PER_CALL and is_open(pack, topic.transfer, at):
        actions["transfer"] = TRANSFER_KEY
    return actions


def is_open(pack: Pack, number: str, at: dt.datetime | None) -> bool:
    opening = pack.openings.get(number)
    if opening is None:
        return True
    # Without a time the line cannot know, so it never offers a transfer that may ring out.
    return at is not None and opening.is_open(at)


def choices(pack: Pack, session: Session, node: str, at: dt.datetime | None, offer_text: bool = True) -> list[str]:
    say = pack.voice_say
    if node in pack.menus:
        lines = spoken_options(pack, pack.menus[node])
    else:
        actions = page_actions(pack, node, at, session.transfers)
        if not offer_text:
            del actions["text"]
        # The offer names what will be sent: another page is the links, never "this".
        by_text = Phrase.LINKS_BY_TEXT if pack.topics[node].by_text not in ("", node) else Phrase.BY_TEXT
        names = {"text": by_text, "transfer": Phrase.PUT_THROUGH}
        lines = [say[names[action]].replace("{key}", key) for action, key in actions.items()]
    return lines + [keys_said(pack, session, node)]


def keys_said(pack: Pack, session: Session, node: str) -> str:
    """The common keys that do something here, briefly; the others still work, unsaid."""
    say, main = pack.voice_say, pack.voice_main
    keys = []
    if node in pack.menus and not session.slow:
        keys.append(say[Phrase.KEY_SLOWER])
    keys.append(say[Phrase.KEY_REPEAT])
    if node != main:
        keys.append(say[Phrase.KEY_BACK])
        back_to = (session.trail[-1] if session.trail else main) if node in pack.menus else session.menu
        if back_to not in (None, main):
            keys.append(say[Phrase.KEY_MAIN])
    return " ".join(keys)


def content(pack: Pack, node: str, at: dt.datetime | None, transfers: int = 0) -> list[str]:
    if node in pack.menus:
        menu: Menu = pack.menus[node]
        return [menu.intro] if menu.intro else []
    # The page's first line on its own: the 999 reminder follows it (flows.render).
    lines = list(pack.voice_lead(node))
    topic = pack.topics[node]
    if topic.transfer and topic.transfer in pack.openings:
        if is_open(pack, topic.transfer, at):
            if transfers < TRANSFERS_PER_CALL:
                lines.append(pack.voice_say[Phrase.OPEN_NOW])
        elif at is not None:
            opens = pack.openings[topic.transfer].next_opening(at)
            if opens is not None:
                lines.append(pack.voice_say[Phrase.CLOSED_NOW].replace("{when}", spoken_when(opens, at)))
    lines += open_now_lines(pack, topic.voice, topic.reader, at)
    return lines


def open_now_lines(pack: Pack, text: str, reader: str, at: dt.datetime | None) -> list[str]:
    """A line naming a helpline open now, when every one ``text`` names is closed."""
    added = open_now.added_numbers(pack, text, reader, at)
    return [open_now.spoken_line(pack, pack.voice_say[Phrase.ALSO_OPEN], added)] if added else []


def hints(pack: Pack, node: str) -> tuple[str, ...]:
    menu = pack.menus.get(node)
    own = menu.hints if menu else ()
    return tuple(own) + tuple(pack.voice_setting("hints") or ())


def menu_heard(pack: Pack, menu: Menu) -> tuple[str, ...]:
    """A voice menu as a caller hears it on reaching it: the 999 line where the call puts
    it, then the menu's words and its choices. The call opens with the greeting in place
    of the main menu's own title."""
    first = menu.id == pack.voice_main
    opening = [pack.voice_say[Phrase.GREETING]] if first else [menu.intro] if menu.intro else []
    return voice_turn((*opening, *spoken_options(pack, menu)), first, menu.reader)


def page_heard(pack: Pack, topic_id: str) -> tuple[str, ...]:
    """A page as a caller hears it on choosing it: its first line, the 999 line, the rest."""
    return voice_turn(pack.voice_lead(topic_id), False, pack.topics[topic_id].reader)
