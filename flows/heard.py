"""What a caller said, as the voice flow acts on it: a key, a command, or a page.

Risk first: words of crisis anywhere in what was said ("I want to die, text me the
links" included) go to the page for someone at risk. Then a key said ("press two"); a
command or a page's name said on its own ("go back", "helplines"); a command inside a
short request ("could you text me the links please"); and any other words understood
as a text is (``flows.understand``: "what do I do" is the steps, never the page whose
keyword is "what"). When the line is not sure, the voice menu that offers the likely
page asks between it and its neighbours, never a guess; a keyword inside a short
request that was not understood is the last resort.
"""

from __future__ import annotations

from flows.keywords import NOT_KNOWING, compact, spoken_key
from flows.model import Channel, Event, EventKind
from flows.pack import THANKS, Pack

# Up to this many words, what a caller said and the line could not understand may
# still hold a command or a page's keyword; in a longer story a keyword misleads.
SHORT_REQUEST = 4
# A command ("text me", "put me through") inside a request this short is the command.
COMMAND_WORDS = 6
# Below this, the recogniser doubts its own words: a page understood from them is asked
# about (the menu that offers it), never given outright. Words of crisis are acted on
# whatever the confidence: a wrong at-risk page costs less than a missed one.
LOW_CONFIDENCE = 0.5
# What a keypad sends (Twilio's Digits).
KEYS = "0123456789*#"
# "Thank you", said: the command for it.
THANKED = "#thanks"


def heard(pack: Pack, event: Event) -> str:
    """A key (``"1"``, ``"*"``), a command (``"#repeat"``, ``"#unsure"``: nothing asked
    for), a node id, or ``""``."""
    if event.kind == EventKind.DIGITS:
        # Keys only: a forged Digits of words ("#goodbye") is no command.
        keys = event.value.strip().rstrip("#")
        return keys if keys.strip(KEYS) == "" else ""
    if event.kind != EventKind.SPEECH:
        return ""
    heard = event.value
    understanding = pack.understanding
    risk_page = crisis_page(pack, event)
    if risk_page:
        return risk_page
    key = spoken_key(heard)
    if key is not None:
        return key
    if compact(heard) in NOT_KNOWING:
        return "#unsure"
    # A command or a page's name said on its own ("go back", "helplines") is that; any
    # other words are understood as a text is ("what do I do" is the steps, never the
    # page whose keyword is "what"), and only then searched for a keyword.
    exact = pack.voice_keywords.exact(heard)
    if exact:
        return exact
    said = pack.voice_keywords.match(heard) or ""
    if said.startswith("#") and len(heard.split()) <= COMMAND_WORDS:
        return said  # "could you text me the links please"
    if understanding:
        understood = understanding.match(heard)
        page = spoken_page(pack, understood.node)
        doubted = event.confidence is not None and event.confidence < LOW_CONFIDENCE
        # Close between two pages a caller gets the same page for ("can I speak to a real
        # person": the helplines, or *Is anyone there?*, which by voice is the helplines).
        either = understood.close and spoken_page(pack, understood.second) == page
        if page and (understood.sure or either) and not doubted:
            return page
        if understood.sure and understood.node == THANKS:
            return THANKED  # no page by voice, and not a wrong choice either
        if page:
            # Not sure: the menu that offers the likely page asks between it and its
            # neighbours (for "my son ... pictures": under 18, parent, adult), never a guess.
            asking = next(
                (m.id for m in pack.menus.values() if m.channel == Channel.VOICE and m.id != pack.voice_main and page in m.options), None
            )
            if asking:
                return asking
    if len(heard.split()) <= SHORT_REQUEST:
        return pack.voice_keywords.match(heard) or ""
    return ""


def crisis_page(pack: Pack, event: Event) -> str | None:
    """Risk first: the page for someone at risk when words of crisis are anywhere in what
    was said, whatever else was ("I want to die, text me the links"), at any step of a
    call, a number being keyed included."""
    understanding = pack.understanding
    page = understanding.risk_page if understanding else None
    if event.kind == EventKind.SPEECH and page and reachable(pack, page) and understanding.speaks_of_risk(event.value):
        return page
    return None


def reachable(pack: Pack, node: str | None) -> bool:
    return node is not None and (node in pack.voice_texts or (node in pack.menus and pack.menus[node].channel == Channel.VOICE))


def spoken_page(pack: Pack, node: str | None) -> str | None:
    """The page a caller gets for ``node``: itself, the page it names for callers
    (``by_voice``: "is anyone there?" is the helplines), or none by voice."""
    topic = pack.topics.get(node or "")
    if topic is not None and topic.by_voice:
        node = topic.by_voice
    return node if reachable(pack, node) else None
