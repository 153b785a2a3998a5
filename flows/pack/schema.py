"""What a pack's TOML may hold: its tables, their fields and types, and the limits a pack must keep.

The loader checks every item against ``SCHEMA`` and reports each mismatch with its
file and line; nothing else in the line reads the TOML.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flows.model import Channel

# Each kind of table, its required and optional fields, and their types.
_STR, _LIST, _INT, _DICT = str, list, int, dict
_DATE = (str, dt.date)
_SOURCE = (str, list)
_CONFIRM = (str, bool)
SCHEMA: dict[str, dict[str, tuple[bool, type | tuple]]] = {
    "pack": {
        "id": (True, _STR),
        "name": (True, _STR),
        "locale": (True, _STR),
        "region": (True, _STR),
        "owner": (False, _STR),
        "review_by": (False, _DATE),
        "sms_segments": (False, _INT),
        "link_domains": (True, _LIST),
        # Whose bank holidays close a helpline: england, wales, scotland or northern_ireland.
        "nation": (False, _STR),
        # Who to name when a page's helplines are all closed, by reader: number ids,
        # first choice first (flows.pack.open_now).
        "open_now": (False, _DICT),
    },
    "sms": {
        "main_menu": (True, _STR),
        "footer": (True, _STR),
        "opted_out": (True, _STR),
        "unsure_menu": (False, _STR),
        "open_now": (False, _STR),
        "at_risk_again": (False, _STR),
        "pair_question": (False, _STR),
    },
    "sources": {"title": (True, _STR), "url": (False, _STR)},
    "numbers": {
        "name": (True, _STR),
        "number": (True, _STR),
        "kind": (True, _STR),
        "email": (False, _STR),
        "hours": (False, _STR),
        "opening": (False, (dict, list, str)),
        "short_name": (False, _STR),
        # A service people text rather than call (Shout): the at-risk page needs one.
        "text_service": (False, bool),
        "audience": (False, _STR),
        "source": (True, _SOURCE),
        "confirm": (False, _CONFIRM),
        "review_by": (False, _DATE),
    },
    "links": {
        "title": (True, _STR),
        "url": (True, _STR),
        "about": (False, _STR),
        "source": (True, _SOURCE),
        "confirm": (False, _CONFIRM),
        "review_by": (False, _DATE),
    },
    "topics": {
        "title": (True, _STR),
        "keywords": (False, _LIST),
        "source": (True, _SOURCE),
        "sms": (True, _STR),
        "voice": (False, _STR),
        "confirm": (False, _CONFIRM),
        "review_by": (False, _DATE),
        "segments": (False, _INT),
        "spoken_title": (False, _STR),
        "transfer": (False, _STR),
        "by_text": (False, _STR),
        "examples": (False, _LIST),
        # Who the page is for (flows.render.READERS); its 999 line is worded for them.
        "reader": (False, _STR),
        # false: no "Reply 0 for the menu" (a page sent where no menu answers).
        "footer": (False, bool),
        # The page a caller who asks for this one by voice gets instead (a text-only page).
        "by_voice": (False, _STR),
    },
    "menus": {
        "channel": (True, _STR),
        "title": (True, _STR),
        "keywords": (False, _LIST),
        "intro": (False, _STR),
        "outro": (False, _STR),
        "options": (True, _LIST),
        "spoken_title": (False, _STR),
        "hints": (False, _LIST),
        "examples": (False, _LIST),
        "segments": (False, _INT),
        "reader": (False, _STR),
    },
    "voice": {
        "main_menu": (True, _STR),
        "voice": (False, _STR),
        "language": (False, _STR),
        "timeout": (False, _INT),
        "dial_timeout": (False, _INT),
        "dial_time_limit": (False, _INT),
        "slow_rate": (False, _STR),
        "hints": (False, _LIST),
        "say": (True, _DICT),
        # The speaking rate check times each prompt at (words a minute).
        "words_per_minute": (False, _INT),
    },
}


class Phrase(StrEnum):
    """What the voice line says between the content: each a ``[voice.say]`` field."""

    GREETING = "greeting"
    # The common keys, each said only where it does something (flows.voice).
    KEY_SLOWER = "key_slower"
    KEY_REPEAT = "key_repeat"
    KEY_BACK = "key_back"
    KEY_MAIN = "key_main"
    OPTION = "option"
    BY_TEXT = "by_text"
    # The offer for a topic whose by_text names another page: what is sent is the links.
    LINKS_BY_TEXT = "links_by_text"
    PUT_THROUGH = "put_through"
    NOT_A_CHOICE = "not_a_choice"
    REPROMPT = "reprompt"
    SLOWER = "slower"
    NO_INPUT_GOODBYE = "no_input_goodbye"
    GOODBYE = "goodbye"
    # Said when the caller says goodbye: the call ends with who to talk to, any time.
    FAREWELL = "farewell"
    # A caller silent after the page for someone at risk: 999 (and how to call it without
    # speaking), then the lines open day and night, by phone and by text.
    AT_RISK_GOODBYE = "at_risk_goodbye"
    FALLBACK = "fallback"
    OPEN_NOW = "open_now"
    # Before the helplines open now, when those a page names are closed (flows.pack.open_now).
    ALSO_OPEN = "also_open"
    CLOSED_NOW = "closed_now"
    PUTTING_THROUGH = "putting_through"
    DIAL_FAILED = "dial_failed"
    # Past a put-through cap (the call's or the line's): said as that, not as the helpline
    # not answering, which would not be true.
    DIAL_CAPPED = "dial_capped"
    DIAL_ENDED = "dial_ended"
    CONFIRM_CALLER = "confirm_caller"
    ENTER_NUMBER = "enter_number"
    NOT_A_MOBILE = "not_a_mobile"
    CONFIRM_NUMBER = "confirm_number"
    TOO_MANY_TRIES = "too_many_tries"
    SENT = "sent"
    CANNOT_TEXT = "cannot_text"
    LINE_BUSY = "line_busy"
    SEND_FAILED = "send_failed"


VOICE_SAY = tuple(Phrase)
VOICE_DEFAULTS = {
    "voice": "Polly.Amy-Neural",
    "language": "en-GB",
    "timeout": 8,
    "dial_timeout": 30,
    # The longest a put-through call may last, in seconds: the line pays for every minute,
    # and Twilio's own limit is four hours.
    "dial_time_limit": 3600,
    "slow_rate": "80%",
    "hints": [],
}
# Fewer choices than this are what a listener can hold in mind (FACTS.md, section 6).
VOICE_MAX_OPTIONS = 5
# Callers need time to find the keypad: Twilio's 5 second default is too short.
VOICE_MIN_TIMEOUT = 8
SINGLE_TABLES = ("pack", "sms")
NAMED_TABLES = ("sources", "numbers", "links", "topics", "menus")
# Tables a channel renderer owns and checks for itself (the voice settings).
OPEN_TABLES = ("voice", "safety")
CHANNELS = tuple(Channel)
OPTED_OUT = "opted_out"
# The page for thanks: an ending, whoever says it, by text or by voice.
THANKS = "thanks"
