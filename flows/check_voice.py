"""``signpost check``'s checks of the voice line: menus short enough to remember, every
prompt timed at the pack's speaking rate, 999 said as digits, and what a caller is
told they can get by text is what the text has.

Pure, like ``flows.check``, which runs these and reports what they find.
"""

from __future__ import annotations

import math
import re

from flows import templates
from flows.model import Channel
from flows.pack import Pack, spoken_options
from flows.render import EMERGENCY_VOICE, has_bare_999

WORDS_PER_MINUTE = 150
# A menu that takes longer than this to hear loses the caller before the last choice.
VOICE_MENU_SECONDS_MAX = 30
# A page's first line is said before the 999 reminder (flows.voice): longer than this
# and the reminder comes late in the turn.
VOICE_FIRST_LINE_SECONDS_MAX = 15

# A spoken promise to text something: "I can send you the links by text."
_TEXT_OFFER = re.compile(r"\bsend you (?:the )?(.+?) by text\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def check_voice(pack: Pack, checker) -> None:
    """Voice menus short enough to remember; every prompt timed at the pack's speaking rate."""
    settings = pack.voice if isinstance(pack.voice, dict) else {}
    rate = settings.get("words_per_minute", WORDS_PER_MINUTE)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
        checker.error("voice", "words_per_minute must be a number above 0", key="words_per_minute")
        rate = WORDS_PER_MINUTE
    checker.report.words_per_minute = rate
    written = settings.get("say")
    say = written if isinstance(written, dict) else {}
    for key, menu in pack.menus.items():
        if menu.channel != Channel.VOICE:
            continue
        ref = f"menus.{key}"
        choices = spoken_options(pack, menu)
        seconds = _speak(pack, checker, ref, " ".join([menu.intro, *choices, menu.outro]), rate)
        if seconds is not None and seconds > VOICE_MENU_SECONDS_MAX:
            checker.warn(ref, f"takes about {seconds} seconds to say; callers lose track past {VOICE_MENU_SECONDS_MAX}")
    for key, topic in pack.topics.items():
        if topic.voice:
            _speak(pack, checker, f"topics.{key}", topic.voice, rate, key="voice")
    for name, text in say.items():
        if isinstance(text, str):
            _speak(pack, checker, "voice", text, rate, key="say", label=f"voice.say.{name}")
    if checker.report.speech_seconds:
        checker.report.speech_seconds["999 line"] = speaking_seconds(EMERGENCY_VOICE, rate)
    _check_spoken_999(pack, checker)
    _check_text_offers(pack, checker)
    for key, parts in pack.voice_parts.items():
        seconds = speaking_seconds(parts[0], rate)
        if len(parts) > 1 and seconds > VOICE_FIRST_LINE_SECONDS_MAX:
            checker.warn(
                f"topics.{key}",
                f"voice's first line takes about {seconds} seconds; the 999 "
                f"reminder follows it, so keep it under "
                f"{VOICE_FIRST_LINE_SECONDS_MAX}",
                key="voice",
            )


def _check_spoken_999(pack: Pack, checker) -> None:
    """999 is said as the digits: a voice can read "999" as "nine hundred and ninety-nine"."""
    advice = 'a voice can read it as "nine hundred and ninety-nine": write "9 9 9" or {number.emergency}'
    for key, text in pack.voice_texts.items():
        if has_bare_999(text):
            checker.error(f"topics.{key}", f"voice says 999 as a number; {advice}", key="voice")
    for name, text in pack.voice_say.items():
        if has_bare_999(text):
            checker.error("voice", f"[voice.say] {name} says 999 as a number; {advice}", key="say")


def _check_text_offers(pack: Pack, checker) -> None:
    """What a caller is told they can get by text is what the text has.

    A topic's page by text is its ``by_text`` page, else its own. When that is another
    page, the line offers it as "the links", so it must have links. When the voice
    text promises links or a website by text, the page sent must have a link, and
    every link named in the promise or the sentence before it.
    """
    for key, text in pack.voice_texts.items():
        topic = pack.topics[key]
        sent = topic.by_text or key
        page = pack.sms_pages.get(sent, "")
        sent_links = {name for name, link in pack.links.items() if link.url in page}
        ref = f"topics.{key}"
        if sent != key and not sent_links:
            checker.error(ref, f"by_text sends {sent!r}, which the line offers as the links, but it has no link", key="by_text")
        sentences = _SENTENCE_END.split(text)
        for n, sentence in enumerate(sentences):
            offer = _TEXT_OFFER.search(sentence)
            if offer is None or not re.search(r"\b(links?|website|web site|address)\b", offer[1], re.I):
                continue
            context = " ".join(sentences[max(0, n - 1) : n + 1]).lower()
            named = {name for name, link in pack.links.items() if link.title.lower() in context}
            if not sent_links:
                checker.error(ref, f"voice says {sentence.strip()!r}, but the page sent by text ({sent!r}) has no link", key="voice")
            elif missing := sorted(named - sent_links):
                checker.error(
                    ref,
                    f"voice says {sentence.strip()!r} after naming "
                    f"{', '.join(pack.links[m].title for m in missing)}, but the page "
                    f"sent by text ({sent!r}) does not have "
                    f"{'that link' if len(missing) == 1 else 'those links'}",
                    key="voice",
                )


def _speak(pack: Pack, checker, ref: str, text: str, rate: float, key: str | None = None, label: str | None = None) -> int | None:
    """Seconds ``text`` takes to say once its references are filled as they will be spoken."""
    try:
        spoken = templates.fill(text, pack.numbers, pack.links, "voice")
    except templates.LinkInSpeech as exc:
        checker.error(ref, f"{exc}: links are sent by text, never spoken", key=key)
        return None
    except templates.DanglingReference as exc:
        checker.error(ref, f"dangling reference: {exc}", key=key)
        return None
    seconds = speaking_seconds(spoken, rate)
    checker.report.speech_seconds[label or ref] = seconds
    return seconds


def speaking_seconds(spoken: str, words_per_minute: float) -> int:
    """Whole seconds to say ``spoken``, rounded up.

    Counted in words, and each digit of a spoken number is a word: "0 3 4 4, 3 8 1"
    takes as long as seven words.
    """
    return math.ceil(len(spoken.split()) * 60 / words_per_minute)
