"""The SMS conversation: a numbered menu, free text, opt-out and opt-in.

Every page was rendered when the pack loaded (999 line first, within budget), so
a turn is a lookup: which node does this message ask for? Carriers' opt-out words
and numbers first, exactly; then what the text means (``flows.understand``), and
a short question whenever the line is not sure: a menu costs a texter a moment, a
confidently wrong page can cost a child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flows.keywords import BARE_NO, NOT_KNOWING, OPT_IN, OPT_OUT, compact, opts_out
from flows.model import Effect, Event, EventKind, Reply, Session
from flows.pack import OPTED_OUT, THANKS, Pack
from flows.pack.open_now import names_help_always
from flows.pack.render_sms import pair_id

# The page for a picture or video sent to the line (a pack without one sends the menu).
PICTURE = "picture"
# No reply at all: Twilio's own opt-out handling has already answered.
NO_REPLY = ""
CARRIER_EFFECTS = {"STOP": Effect.OPT_OUT, "START": Effect.OPT_IN}
# Between a menu and the page last shown in an outcome key (outcome_key).
ASKED = "?"
# Readers whose page the line keeps to for a follow-up (``_reader_pages``).
READERS_KEPT = frozenset(["young_person", "parent", "adult"])


def step(pack: Pack, session: Session, event: Event) -> tuple[Reply, Session]:
    if event.kind == EventKind.CARRIER:
        # Twilio acted on STOP, START or HELP and sent its own confirmation: the line
        # records the change and says nothing, so nobody gets two confirmations.
        effect = CARRIER_EFFECTS.get(event.value.strip().upper())
        if effect == Effect.OPT_OUT:
            session = replace(session, menu=None, node=None)
        return Reply(NO_REPLY, "", effect), session
    text = event.value if event.kind in (EventKind.TEXT, EventKind.MEDIA) else ""
    word = compact(text)
    if word in OPT_OUT or opts_out(text):
        return Reply(OPTED_OUT, pack.sms_pages[OPTED_OUT], Effect.OPT_OUT), replace(session, menu=None, node=None)
    risk_page = pack.understanding.risk_page
    again = pack.at_risk_again or risk_page
    # Straight after the page for someone at risk, whatever they write next ("no", "bye",
    # "what do i do") gets the short page that keeps them with the 24-hour services: they
    # have just told the line they may not be safe. MENU, a keyword or a number leads
    # elsewhere, and so does a text that says who is writing, whose page names a phone
    # line open day and night too ("should i send more", "im 19 and he wants money"):
    # their own advice, and still someone to call. Straight after the short question, a text the line cannot
    # place gets the at-risk page (the question has been asked once).
    after_risk = bool(risk_page) and session.node in (risk_page, again)
    asked = bool(pack.unsure_menu) and session.menu == session.node == pack.unsure_menu
    # After a young person's, a parent's or an adult's page, a follow-up that is not a
    # page asked for by name gets theirs again: the line keeps its reader.
    reader_page = session.node if session.node in _reader_pages(pack) else None
    if word in OPT_IN:
        reply, session = show(pack, session, event.at, again if after_risk and again else pack.main_menu)
        return replace(reply, effect=Effect.OPT_IN), session
    if word.isdigit() and event.kind == EventKind.TEXT:
        return show(pack, session, event.at, choice(pack, session, int(word)))
    # Anything but a number leaves numbers meaning the main menu's choices again, and
    # means the same from every menu (see ``outcomes``).
    session = replace(session, menu=None)
    if event.kind == EventKind.MEDIA:
        # Whatever words came with it: the line never opens it, and says so.
        return show(pack, session, event.at, PICTURE if PICTURE in pack.sms_pages else pack.main_menu)
    understood = pack.understanding.match(text)
    if word in NOT_KNOWING or word in BARE_NO:
        # "idk", "not sure": nothing asked for (as by voice), never a page read from its "I".
        understood = replace(understood, sure=False)
    # A page asked for by name ("menu", "helplines"); a cry for "help" is not one.
    chosen = pack.understanding.keyword(text) not in (None, pack.unsure_menu)
    new_crisis = understood.sure and understood.node == risk_page  # said again, in words of crisis
    if after_risk and again and not new_crisis and not chosen:
        own = understood.node if understood.node and _answers_after_risk(pack, understood, risk_page) else None
        return show(pack, session, event.at, own or again)
    if reader_page and not chosen and not new_crisis and not (understood.sure and understood.node in (*_reader_pages(pack), THANKS)):
        # A follow-up that is not surely another reader's page, nor thanks ("idk", "what do
        # i do"): their own page again, which names who to talk to, never the
        # professionals' guidance.
        return show(pack, session, event.at, reader_page)
    if understood.sure and understood.node and not (asked and understood.node == pack.unsure_menu):
        return show(pack, session, event.at, understood.node)
    if understood.node is None and not text.strip():
        # An empty text asks for nothing: the main menu.
        return show(pack, session, event.at, pack.main_menu)
    if asked and risk_page:
        # The line could not tell what they need, again ("no", "not really", "help"):
        # the page for someone at risk, not the same question.
        return show(pack, session, event.at, risk_page)
    asking = pair_id(understood.node, understood.second) if understood.close and understood.node and understood.second else ""
    if asking in pack.pair_questions:
        # Close between two pages ("should we screenshot it": the do's and don'ts, or what
        # to do now?): a question between those two, each with its reply word. Numbers
        # still mean the main menu's choices.
        return Reply(asking, pack.pair_questions[asking]), replace(session, menu=pack.main_menu, node=asking)
    # Words the line cannot place, in whole ("im done", an emoji) or between pages: the
    # short question, which names the 24-hour services and puts the page for people at
    # risk first, rather than the professionals' menu. Greetings and "menu" are the main
    # menu's own examples, so they get it.
    return show(pack, session, event.at, pack.unsure_menu or pack.main_menu)


def outcomes(pack: Pack, event: Event) -> dict[str, tuple[Reply, Session]]:
    """The turn decided from every place a texter can be, keyed by ``outcome_key``.

    An SMS session is little more than the menu the texter's numbers refer to (``""``:
    none yet), and a pack has few menus, so all outcomes can be decided before the
    session is read. The service hands them to Redis, which picks the one that
    applies in the same round trip that reads the session. Outcomes that do not
    depend on where the texter is collapse into the one under ``""``.
    """
    fresh = step(pack, Session(channel="sms"), event)
    decided = {"": fresh}
    if event.kind != EventKind.TEXT:
        return decided
    places: list[Session] = []
    menus = [m.id for m in pack.menus.values() if m.channel == "sms"]
    if compact(event.value).isdigit():  # a number means different things in different menus
        places = [Session(channel="sms", menu=menu) for menu in menus]
    else:
        # Straight after the short question, the at-risk page or a reader's own page.
        if pack.unsure_menu:
            places = [Session(channel="sms", menu=pack.unsure_menu, node=pack.unsure_menu)]
        followed = [n for n in dict.fromkeys([pack.understanding.risk_page, pack.at_risk_again, *_reader_pages(pack)]) if n]
        places += [Session(channel="sms", menu=menu, node=node) for menu in menus for node in followed]
    for place in places:
        outcome = step(pack, place, event)
        if outcome != fresh:
            decided[outcome_key(place)] = outcome
    return decided


def _answers_after_risk(pack: Pack, understood, risk_page: str | None) -> bool:
    """Whether a text sent straight after the at-risk page says who is texting, so that
    their own page answers it better than the short page: the line is sure of it, it is
    a young person's, a parent's or an adult's page, and that page names a line the
    at-risk page gives that is open day and night (a page without one, or any other
    page, would take them from the 24-hour services)."""
    node = understood.node if understood.sure else None
    topic = pack.topics.get(node or "")
    return bool(topic and risk_page and topic.reader in READERS_KEPT and names_help_always(pack, topic.id, risk_page))


def _reader_pages(pack: Pack) -> tuple[str, ...]:
    """The pages for a young person, a parent or an adult (their topics' reader)."""
    return tuple(key for key, topic in pack.topics.items() if topic.reader in READERS_KEPT)


def outcome_key(session: Session) -> str:
    """Where ``outcomes`` files the outcome for ``session``: its menu, then ``ASKED`` and
    the page last shown. The answer script in service/state/scripts.py looks for that
    first, then for the menu alone (a number picks from the menu whatever was shown)."""
    menu = session.menu or ""
    return f"{menu}{ASKED}{session.node}" if menu and session.node else menu


def choice(pack: Pack, session: Session, number: int) -> str:
    """The node that ``number`` picks from the texter's current menu (0: the main menu).
    A number past the end of a shorter menu is read as the main menu's choice: people
    remember "5 Happening to you or your child" from the menu they see most."""
    main = pack.menus[pack.main_menu]
    for menu in (pack.menus.get(session.menu or "") or main, main):
        if 1 <= number <= len(menu.options):
            return menu.options[number - 1]
    return pack.main_menu


def show(pack: Pack, session: Session, at: dt.datetime | None, node_id: str) -> tuple[Reply, Session]:
    """The page ``node_id`` as it reads at ``at`` (naming a helpline open then)."""
    if node_id not in pack.sms_pages:
        node_id = pack.main_menu
    if node_id in pack.menus:
        session = replace(session, menu=node_id, node=node_id)
    else:
        session = replace(session, menu=session.menu or pack.main_menu, node=node_id)
    return Reply(node_id, pack.sms_page(node_id, at)), session
