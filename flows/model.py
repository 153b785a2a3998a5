"""The values that pass between the service and the conversation engine."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """One thing the person did, whatever the channel.

    kind: ``text`` (an SMS body), ``digits`` (keys pressed), ``speech`` (what the
    speech recogniser heard), ``silence`` (no input before the timeout), ``start``
    (a new call), or an outcome the channel reports (``dial``).
    """

    kind: str
    value: str = ""
    at: datetime | None = None
    caller: str = ""


@dataclass
class Session:
    """Where one texter or caller is in the conversation.

    Small on purpose: it is stored after every turn. ``menu`` is the menu that
    numbers refer to; ``trail`` the menus to go back through.
    """

    channel: str = "sms"
    menu: str | None = None
    node: str | None = None
    trail: list[str] = field(default_factory=list)
    silences: int = 0
    slow: bool = False
    pending: dict | None = None

    def to_dict(self) -> dict:
        """Only what differs from a fresh session: it is written on every turn."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in values.items() if v not in (None, [], 0, False)}

    @classmethod
    def from_dict(cls, data: object, channel: str = "sms") -> Session:
        """A session from stored data; anything unreadable gives a fresh session."""
        if not isinstance(data, dict):
            return cls(channel=channel)
        known = {f.name for f in fields(cls)}
        try:
            session = cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return cls(channel=channel)
        if not isinstance(session.trail, list) or not all(isinstance(t, str) for t in session.trail):
            session.trail = []
        if session.channel != channel:
            return cls(channel=channel)
        return session


@dataclass(frozen=True)
class Reply:
    """What the line says back to a texter.

    node: what was shown (a topic or menu id, or ``opted_out``).
    text: the whole SMS, 999 line first.
    effect: ``opt_out`` or ``opt_in`` when the texter's preference changes.
    """

    node: str
    text: str
    effect: str | None = None


@dataclass(frozen=True)
class FollowUp:
    """A text the person asked for: the SMS page of ``topic``, to ``number`` (E.164).

    ``number`` is the caller's own number or one they keyed and confirmed; it is
    held only in memory and in the queued job, never in a session or a log.
    """

    topic: str
    number: str


@dataclass(frozen=True)
class VoiceReply:
    """What the line says and does next on a call, before any TwiML exists.

    node: where the caller now is (a topic or menu id, or a step of asking for a text).
    say: what to say, in order; the renderer puts the 999 sentence before all of it.
    listen: ``menu`` (one key, or words), ``number`` (keys ending with #), or ``""``.
    dial: an E.164 number to put the caller through to.
    hangup: end the call after speaking.
    followup: a text to send; the service reports how it went as a ``followup`` event.
    """

    node: str
    say: tuple[str, ...] = ()
    listen: str = "menu"
    hints: tuple[str, ...] = ()
    slow: bool = False
    dial: str = ""
    hangup: bool = False
    followup: FollowUp | None = None
