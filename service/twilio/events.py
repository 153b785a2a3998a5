"""A webhook's form as the flow's :class:`~flows.model.Event`: what the person did.

Twilio tells a key from words from silence by which fields it sends: ``Digits``
for keys, ``SpeechResult`` for words, ``DialCallStatus`` when a transfer ended,
and none of them when a ``<Gather>`` timed out. A message is words (``Body``),
media (``NumMedia`` above 0) or an opt-out Twilio has answered (``OptOutType``).
Lengths are capped here, so no form can hand the flow an essay.
"""

from __future__ import annotations

import datetime as dt
import re

from flows import Event, EventKind

MAX_DIGITS = 64
# Long enough for any story a caller tells in one breath (Twilio ends a <Gather> after a
# minute): the whole of it is read for words of crisis, which may come last.
MAX_SPEECH = 4000
# An SMS or WhatsApp body longer than this is not read further (Twilio's own limit
# for a message is 1,600 characters).
MAX_BODY = 1600
# The opt-out keywords Twilio has already acted on and answered (Advanced Opt-Out).
CARRIER_OPT_OUT_TYPES = frozenset(["STOP", "START", "HELP"])
_MEDIA_SID = re.compile(r"ME[0-9a-fA-F]{32}")


def event_from(form, at: dt.datetime, start: bool) -> Event:
    caller = form.get("From", "")
    if start:
        return Event(EventKind.START, at=at, caller=caller)
    if form.get("DialCallStatus"):
        return Event(EventKind.DIAL, form["DialCallStatus"], at=at, caller=caller)
    if form.get("Digits", "").strip():
        return Event(EventKind.DIGITS, form["Digits"].strip()[:MAX_DIGITS], at=at, caller=caller)
    if form.get("SpeechResult", "").strip():
        return Event(
            EventKind.SPEECH, form["SpeechResult"][:MAX_SPEECH], at=at, caller=caller, confidence=_confidence(form.get("Confidence", ""))
        )
    return Event(EventKind.SILENCE, at=at, caller=caller)


def _confidence(given: str) -> float | None:
    """Twilio's ``Confidence``, 0 to 1; None when absent, unreadable or 0 (its recogniser
    gives 0 when it has no estimate, not when it is sure it is wrong)."""
    try:
        value = float(given)
    except ValueError:
        return None
    return value if 0 < value <= 1 else None


def message_event(form) -> Event:
    """A text or WhatsApp message: what was written, a picture or video sent (``NumMedia``
    above 0), or an opt-out keyword Twilio has already answered (``OptOutType``).
    The media itself is never fetched: only how many there were is read."""
    body = form.get("Body", "")[:MAX_BODY]
    opt_out_type = form.get("OptOutType", "").strip().upper()
    if opt_out_type in CARRIER_OPT_OUT_TYPES:
        return Event(EventKind.CARRIER, opt_out_type)
    if media_count(form):
        return Event(EventKind.MEDIA, body)
    return Event(EventKind.TEXT, body)


def media_count(form) -> int:
    """How many pictures or videos came with a message (``NumMedia``; junk counts as none)."""
    value = form.get("NumMedia", "0").strip()
    # Twilio sends at most 10; a longer run of digits is junk (and Python refuses to turn
    # more than 4,300 digits into a number, which would make the reply an error).
    return min(int(value), 10) if value.isdigit() and len(value) <= 4 else 0


def media_sids(form) -> list[str]:
    """The Media SIDs of a message, each the last part of its ``MediaUrlN`` (Twilio's
    Message Media resource: .../Messages/{MessageSid}/Media/{MediaSid}). Only the URL's
    text is read; the media is never fetched. Anything not shaped like a SID is left out."""
    sids = []
    for n in range(media_count(form)):
        last = form.get(f"MediaUrl{n}", "").rstrip("/").rsplit("/", 1)[-1]
        if _MEDIA_SID.fullmatch(last):
            sids.append(last)
    return sids
