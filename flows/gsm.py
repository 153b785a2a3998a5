"""Which characters an SMS can carry cheaply, and how many parts a text costs.

A text that holds one character outside the GSM 03.38 alphabet is sent as UCS-2:
70 characters a part instead of 160, so a reply that fitted in one part costs three.
Content pasted from a word processor brings curly quotes, en and em dashes and
ellipses with it; like GOV.UK Notify (notifications-utils ``sanitise_text``) we
downgrade those to their plain look-alikes, and treat anything else outside the
alphabet as an error for the content's author to fix, never a silent switch to UCS-2.

Counting: one part holds 160 septets; a text longer than that is split into parts
of 153 (7 septets go to the concatenation header). The extension characters
``^ { } [ ] ~ | \\ €`` (and form feed) are sent as an escape plus a character, so
they count twice, and the two septets always travel in the same part: when only one
septet is left in a part, the character starts the next one. UCS-2 is the same with
70 and 67 UTF-16 units, and a surrogate pair (an emoji) is never split either. So a
page cannot be costed by dividing its length: the parts are filled one character at
a time, as Twilio's own segment calculator (TwilioDevEd/message-segment-calculator)
and the handsets do.
"""

from __future__ import annotations

import unicodedata

# The GSM 03.38 basic character set (the default alphabet), as Unicode.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets.
EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE_PART = 160
MULTI_PART = 153

# Look-alikes that people type or paste, and what GOV.UK Notify sends instead.
DOWNGRADES = {
    "\u2018": "'",  # left single quote
    "\u2019": "'",  # right single quote / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u201c": '"',  # left double quote
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",
    "\u2212": "-",  # minus sign
    "\u2026": "...",
    "\u2022": "-",  # bullet
    "\u00b7": "-",  # middle dot
    "\u2192": "->",
    "\u2190": "<-",
    "\u00d7": "x",
    "\u00a0": " ",  # no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\ufeff": "",  # byte order mark
    "\t": " ",
}


def is_gsm(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 alphabet."""
    return all(c in BASIC or c in EXTENDED for c in text)


def non_gsm(text: str) -> list[str]:
    """The characters of ``text`` that GSM-7 cannot carry, each once, in order."""
    seen: list[str] = []
    for c in text:
        if c not in BASIC and c not in EXTENDED and c not in seen:
            seen.append(c)
    return seen


def downgrade(text: str) -> str:
    """Replace look-alikes with plain GSM characters; leave everything else as it is.

    Accented letters outside the alphabet are folded to their base letter when
    Unicode can decompose them (``ê`` -> ``e``); what is left can be found with
    :func:`non_gsm`.
    """
    out = []
    for c in text:
        if c in BASIC or c in EXTENDED:
            out.append(c)
        elif c in DOWNGRADES:
            out.append(DOWNGRADES[c])
        else:
            base = unicodedata.normalize("NFKD", c)[:1]
            out.append(base if base and base in BASIC else c)
    return "".join(out)


def septets(text: str) -> int:
    """How many septets ``text`` takes in GSM-7 (extension characters take two)."""
    return sum(2 if c in EXTENDED else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS parts ``text`` costs: GSM-7 when it can be, UCS-2 otherwise."""
    if is_gsm(text):
        sizes, single, multi = [2 if c in EXTENDED else 1 for c in text], SINGLE_PART, MULTI_PART
    else:
        # UCS-2 counts UTF-16 code units: an emoji takes two.
        sizes, single, multi = [1 if ord(c) < 0x10000 else 2 for c in text], 70, 67
    if sum(sizes) <= single:
        return 1
    parts, room = 1, multi
    for size in sizes:
        if size > room:  # never split a character across parts
            parts, room = parts + 1, multi
        room -= size
    return parts
