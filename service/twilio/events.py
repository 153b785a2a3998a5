"""A webhook's form as the flow's :class:`~flows.model.Event`: what the person did.

Twilio tells a key from words from silence by which fields it sends: ``Digits``
for keys, ``SpeechResult`` for words, ``DialCallStatus`` when a transfer ended,
and none of them when a ``<Gather>`` timed out. Lengths are capped here, so no
form can hand the flow an essay.
"""

from __future__ import annotations

import datetime as dt

from flows import Event, EventKind

MAX_DIGITS = 64
MAX_SPEECH = 500


def event_from(form, at: dt.datetime, start: bool) -> Event:
    caller = form.get("From", "")
    if start:
        return Event(EventKind.START, at=at, caller=caller)
    if form.get("DialCallStatus"):
        return Event(EventKind.DIAL, form["DialCallStatus"], at=at, caller=caller)
    if form.get("Digits", "").strip():
        return Event(EventKind.DIGITS, form["Digits"].strip()[:MAX_DIGITS], at=at, caller=caller)
    if form.get("SpeechResult", "").strip():
        return Event(EventKind.SPEECH, form["SpeechResult"][:MAX_SPEECH], at=at, caller=caller)
    return Event(EventKind.SILENCE, at=at, caller=caller)
