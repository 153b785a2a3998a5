"""What every reply starts with, and how a page of SMS is put together.

The 999 instruction is structural: it lives here, not in any content pack, and
every SMS page and every call is built through this module, so no edit to the
content can drop it.

On a call it is said in full as the first words of the call, of every goodbye and
of every fallback; every other turn carries the short form straight after the
turn's first sentence (why: ``flows.voice``). Either way "999" is written as the
digits spaced, "9 9 9": a voice reads that as "nine nine nine" whatever the engine,
where "999" may become "nine hundred and ninety-nine". Written digits rather than
SSML ``<say-as interpret-as="digits">``: Polly's neural voices support say-as only
in part (some of it falls back to the standard voice), and the voice is a setting
(``SIGNPOST_VOICE``) that may name one with no SSML at all; plain digits work in all.
"""

from __future__ import annotations

import re

from flows import gsm

EMERGENCY_SMS = "If a child is in immediate danger, call 999."
EMERGENCY_VOICE = "If a child is in immediate danger, hang up and call 9 9 9."
EMERGENCY_VOICE_SHORT = "In an emergency, call 9 9 9."

# Who a page is written for (a topic's ``reader``). The professionals' pages speak of
# "a child"; a young person, a parent, an adult or someone at risk may be the one in
# danger, so their pages say it to them (FACTS.md, section 8): still 999 and danger
# now, in the first sentence.
PROFESSIONAL = "professional"
READERS = (PROFESSIONAL, "young_person", "parent", "adult", "at_risk", "anyone")
EMERGENCY_SMS_ANYONE = "If you or anyone else is in danger now, call 999."
EMERGENCY_VOICE_ANYONE = "If you or anyone else is in danger now, hang up and call 9 9 9."


def emergency_sms(reader: str = PROFESSIONAL) -> str:
    return EMERGENCY_SMS if reader == PROFESSIONAL else EMERGENCY_SMS_ANYONE


def emergency_voice(reader: str = PROFESSIONAL) -> str:
    return EMERGENCY_VOICE if reader == PROFESSIONAL else EMERGENCY_VOICE_ANYONE


def sms_page(body: str, footer: str = "", reader: str = PROFESSIONAL) -> str:
    """The text of one SMS reply: the 999 line for its reader, the body, then the footer."""
    lines = [emergency_sms(reader), body.strip()]
    if footer:
        lines.append(footer.strip())
    return gsm.downgrade("\n".join(line for line in lines if line))


def voice_turn(say: tuple[str, ...], first_words: bool, reader: str = PROFESSIONAL) -> tuple[str, ...]:
    """Everything one turn of a call says, in order, the 999 instruction included.

    ``first_words``: the call's first turn, a goodbye or a fallback: the whole
    sentence, first. Any other turn: what the caller chose first, then the short form.
    A page for someone who is not a professional says the whole sentence worded for
    them, first: they may be the one in danger.
    """
    if first_words or reader != PROFESSIONAL:
        return (emergency_voice(reader), *say)
    return (*say[:1], EMERGENCY_VOICE_SHORT, *say[1:])


def has_bare_999(text: str) -> bool:
    """Whether ``text`` says 999 as a number rather than as the digits "9 9 9"."""
    return re.search(r"(?<!\d)999(?!\d)", text) is not None
