"""Filling ``{number.posh}``-style references in content with the pack's facts.

Numbers and links are defined once in a pack and referred to by name, so a
changed number changes everywhere at once. The same reference reads differently
by channel: a number is written as it is for SMS and spoken digit by digit, in
its written groups, for voice; a link is never read aloud.
"""

from __future__ import annotations

import re

from flows.model import Channel

REFERENCE = re.compile(r"\{([a-z_]+)\.([a-z0-9_]+)\}")
KINDS = ("number", "email", "hours", "link")


class DanglingReference(ValueError):
    """A ``{kind.name}`` that names nothing in the pack."""


class LinkInSpeech(ValueError):
    """A link met on the way to speech: links are offered by text, never read out."""


def references(text: str) -> list[tuple[str, str]]:
    return REFERENCE.findall(text)


def spoken_number(number: str) -> str:
    """``0344 381 4772`` -> ``0 3 4 4, 3 8 1, 4 7 7 2``: digits, groups as pauses."""
    return ", ".join(" ".join(group) for group in number.split())


def fill(text: str, numbers: dict, links: dict, channel: str) -> str:
    """Replace every reference in ``text``; raise on one that names nothing."""

    def replace(match: re.Match) -> str:
        kind, name = match.groups()
        if kind == "link":
            if name not in links:
                raise DanglingReference(f"{{link.{name}}} names no link")
            if channel == Channel.VOICE:
                raise LinkInSpeech(f"{{link.{name}}} would be read aloud")
            return links[name].url
        if kind not in KINDS:
            raise DanglingReference(f"{{{kind}.{name}}}: unknown kind {kind!r}")
        if name not in numbers:
            raise DanglingReference(f"{{{kind}.{name}}} names no number")
        entry = numbers[name]
        if kind == "number":
            return spoken_number(entry.number) if channel == Channel.VOICE else entry.number
        value = getattr(entry, kind)
        if not value:
            raise DanglingReference(f"{{{kind}.{name}}}: {name} has no {kind}")
        return value

    return REFERENCE.sub(replace, text)
