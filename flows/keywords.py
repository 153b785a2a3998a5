"""Understanding what a texter (or a speech recogniser) sent.

People under stress type fast on small keyboards: case, spacing, punctuation and
a slipped letter must not matter. Matching is exact first, then word by word, then
close matches (``difflib``, in the standard library, is enough for a few dozen
keywords; a fuzzy-matching dependency would buy nothing here).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# The words carriers and Twilio treat as opt-out and opt-in (whole message only).
OPT_OUT = frozenset(
    ["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"]
)
OPT_IN = frozenset(["start", "yes", "unstop"])

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Fuzzy matching is for typos in a keyword, not for essays: past this length a
# message is matched word by word only, which also keeps junk cheap to answer.
_FUZZY_MAX = 40
_FUZZY_CUTOFF = 0.8


def normalise(text: str) -> str:
    """Lower case, accents folded, anything but letters and digits turned to spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = folded.encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", ascii_only).strip()


def compact(text: str) -> str:
    """The message with no spaces at all: ``What to do?`` -> ``whattodo``."""
    return normalise(text).replace(" ", "")


class KeywordIndex:
    """Keywords to node ids, for one pack."""

    def __init__(self, keywords: dict[str, str]):
        self._exact = {compact(k): node for k, node in keywords.items() if compact(k)}
        # Longest first, so "how do I report it" finds "report", not "how".
        self._phrases = sorted(
            ((f" {normalise(k)} ", node) for k, node in keywords.items() if compact(k)),
            key=lambda item: -len(item[0]),
        )
        self._fuzzy = [k for k in self._exact if len(k) >= 4]

    def match(self, text: str) -> str | None:
        whole = compact(text)
        if not whole:
            return None
        if whole in self._exact:
            return self._exact[whole]
        padded = f" {normalise(text)} "
        for phrase, node in self._phrases:
            if phrase in padded:
                return node
        words = padded.split()
        # Shorter than any keyword worth a typo ("hi", "ok"): no close match to look for.
        candidates = [whole] if 4 <= len(whole) <= _FUZZY_MAX else []
        candidates += [w for w in words[:20] if len(w) >= 4 and w != whole]
        for candidate in candidates:
            close = difflib.get_close_matches(candidate, self._fuzzy, n=1, cutoff=_FUZZY_CUTOFF)
            if close:
                return self._exact[close[0]]
        return None
