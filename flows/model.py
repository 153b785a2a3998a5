"""The values that pass between the service and the conversation engine."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    """How the person reached the line: a menu id, a session and a rendering each."""

    SMS = "sms"
    VOICE = "voice"


class EventKind(StrEnum):
    """What the person did (see :class:`Event`)."""

    TEXT = "text"  # an SMS body
    DIGITS = "digits"  # keys pressed
    SPEECH = "speech"  # what the speech recogniser heard
    SILENCE = "silence"  # no input before the timeout
    START = "start"  # a new call
    DIAL = "dial"  # a transfer ended; the value is Twilio's DialCallStatus
    MEDIA = "media"  # a picture or video was sent; the value is any words sent with it
    CARRIER = "carrier"  # Twilio's opt-out handling already answered: STOP, START or HELP


class Effect(StrEnum):
    """A change to the texter's standing that outlives the turn."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


class Listen(StrEnum):
    """What a call listens for after speaking."""

    MENU = "menu"  # one key, or words
    NUMBER = "number"  # keys ending with #
    NOTHING = ""  # hang up, or put through


class FollowUpOutcome(StrEnum):
    """How asking for a follow-up text went (``Services.request_followup``)."""

    QUEUED = "queued"
    DUPLICATE = "duplicate"  # already asked for: this is a retry
    NOT_ALLOWED = "not_allowed"  # not a number the line may text
    OPTED_OUT = "opted_out"
    CAPPED = "capped"  # the call's, the caller's or the number's allowance is used up
    BUSY = "busy"  # the whole line's hourly allowance is used up
    UNAVAILABLE = "unavailable"  # could not even be asked (Redis down, a bug)


@dataclass(frozen=True)
class Event:
    """One thing the person did, whatever the channel.

    kind: ``text`` (an SMS body), ``digits`` (keys pressed), ``speech`` (what the
    speech recogniser heard), ``silence`` (no input before the timeout), ``start``
    (a new call), or an outcome the channel reports (``dial``).
    """

    kind: EventKind | str  # an EventKind; plain strings ("text") read the same
    value: str = ""
    at: datetime | None = None
    caller: str = ""
    # Speech only: how sure the recogniser was of its words, 0 to 1 (Twilio's
    # ``Confidence``); None when it did not say.
    confidence: float | None = None


@dataclass
class Session:
    """Where one texter or caller is in the conversation.

    Small on purpose: it is kept after every turn (a text's in Redis, a call's in
    its next step URL). ``menu`` is the menu that numbers refer to; ``trail`` the
    menus to go back through.
    """

    channel: str = Channel.SMS  # a Channel
    menu: str | None = None
    node: str | None = None
    trail: list[str] = field(default_factory=list)
    silences: int = 0
    slow: bool = False
    pending: dict | None = None
    transfers: int = 0  # put-throughs to a helpline so far in this call

    def to_dict(self) -> dict:
        """Only what differs from a fresh session: it is written on every turn."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in values.items() if v not in (None, [], 0, False)}

    @classmethod
    def from_dict(cls, data: object, channel: str = "sms") -> Session:
        """A session from stored data; anything unreadable gives a fresh session.

        The data may have come back from outside (a call's state rides in its step
        URL), so every field is checked for its type, not trusted.
        """
        if not isinstance(data, dict) or data.get("channel", "sms") != channel:
            return cls(channel=channel)
        menu, node = data.get("menu"), data.get("node")
        trail, silences = data.get("trail", []), data.get("silences", 0)
        slow, pending = data.get("slow", False), data.get("pending")
        transfers = data.get("transfers", 0)
        if not (
            all(v is None or isinstance(v, str) for v in (menu, node))
            and isinstance(trail, list)
            and all(isinstance(t, str) for t in trail)
            and type(silences) is int
            and silences >= 0
            and isinstance(slow, bool)
            and type(transfers) is int
            and transfers >= 0
            and (pending is None or _plain_pending(pending))
        ):
            return cls(channel=channel)
        return cls(channel=channel, menu=menu, node=node, trail=trail, silences=silences, slow=slow, pending=pending, transfers=transfers)


def _plain_pending(pending: object) -> bool:
    """A text being asked for: names and a number as strings, a count of tries."""
    return isinstance(pending, dict) and all(
        isinstance(k, str) and (type(v) is int if k == "tries" else isinstance(v, str)) for k, v in pending.items()
    )


@dataclass(frozen=True)
class Reply:
    """What the line says back to a texter.

    node: what was shown (a topic or menu id, or ``opted_out``).
    text: the whole SMS, 999 line first.
    effect: ``opt_out`` or ``opt_in`` when the texter's preference changes.
    """

    node: str
    text: str
    effect: Effect | None = None


@dataclass(frozen=True)
class FollowUp:
    """A text the person asked for: the SMS page of ``topic``, to ``number`` (E.164).

    Handed to ``Services.request_followup``; it never comes back in a reply.

    ``number`` is the caller's own number or one they keyed and confirmed; it is
    held only in memory and in the queued job, never in a session or a log.
    """

    topic: str
    number: str


@dataclass(frozen=True)
class VoiceReply:
    """What the line says and does next on a call, before any TwiML exists.

    node: where the caller now is (a topic or menu id, or a step of asking for a text).
    say: what to say, in order; the renderer adds the 999 instruction
    (``flows.render.voice_turn``).
    listen: ``menu`` (one key, or words), ``number`` (keys ending with #), or ``""``.
    dial: an E.164 number to put the caller through to.
    hangup: end the call after speaking.
    first_words: the call's first turn, a goodbye or a fallback: the renderer says
    the 999 instruction in full, first.
    reader: who the page said is for (``flows.render.READERS``): the renderer words
    the 999 instruction for them.
    """

    node: str
    say: tuple[str, ...] = ()
    listen: Listen = Listen.MENU
    hints: tuple[str, ...] = ()
    slow: bool = False
    dial: str = ""
    hangup: bool = False
    first_words: bool = False
    reader: str = "professional"
