"""How plain a pack's words are: the Flesch reading ease of each page, by text and by
voice, as ``signpost check`` reports it (a warning below ``READING_EASE_MIN``)."""

from __future__ import annotations

import textstat

from flows import templates
from flows.pack import Pack

# Flesch reading ease: 60 and above is plain English (GOV.UK aims for a reading age of 9).
READING_EASE_MIN = 60


def check_reading_ease(pack: Pack, checker) -> None:
    for key, topic in pack.topics.items():
        for text_key in ("sms", "voice"):
            text = getattr(topic, text_key)
            if not text.strip():
                continue
            ref = f"topics.{key}" + ("" if text_key == "sms" else " (voice)")
            score = reading_ease(text)
            checker.report.reading_ease[ref] = score
            if score < READING_EASE_MIN:
                checker.warn(
                    f"topics.{key}",
                    f"{text_key} text reads at {score:.0f} on the Flesch scale; "
                    f"aim for {READING_EASE_MIN} or more (shorter sentences and words)",
                    key=text_key,
                )


def reading_ease(text: str) -> float:
    """Flesch reading ease of a text, scored as a reader meets it.

    References are left out (a web address would score as one enormous word) and
    every line counts as a sentence: a list of warning signs has no full stops,
    yet nobody reads it as one long sentence.
    """
    lines = [templates.REFERENCE.sub("", line).strip() for line in text.splitlines()]
    sentences = [line if line[-1] in ".!?:" else line + "." for line in lines if line]
    return float(textstat.flesch_reading_ease(" ".join(sentences)))
