"""What kind of phone number a texter or caller has, decided by ``phonenumbers``.

Twilio sends the caller ID as given by the network: E.164 for most calls, but
``anonymous``, ``Restricted``, an empty string or one of its placeholder numbers
when the caller hides it. Only a valid mobile in an allowed region may receive a
follow-up text.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

# What Twilio puts in From when the caller ID is withheld (see Twilio's docs on
# anonymous callers): words, and numbers that are not real lines.
WITHHELD_WORDS = frozenset(["", "anonymous", "restricted", "unknown", "private", "unavailable"])
PLACEHOLDER_NUMBERS = frozenset(["+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"])


@dataclass(frozen=True)
class PhoneNumber:
    """A caller ID or keyed number, understood.

    kind: ``mobile``, ``landline`` (fixed line, VoIP and the like), ``premium``,
    ``withheld`` or ``invalid``.
    """

    kind: str
    e164: str = ""
    region: str = ""

    @property
    def last_three(self) -> str:
        return self.e164[-3:] if self.e164 else ""

    def textable(self, regions: frozenset[str] | tuple[str, ...] = ("GB",)) -> bool:
        return self.kind == "mobile" and self.region in regions


def e164(raw: str, region: str = "GB") -> str | None:
    """``raw`` in E.164 (``+447700900123``), or None when it is no phone number."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def classify(raw: str | None, region: str = "GB") -> PhoneNumber:
    raw = (raw or "").strip()
    if raw.casefold() in WITHHELD_WORDS or raw in PLACEHOLDER_NUMBERS:
        return PhoneNumber("withheld")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return PhoneNumber("invalid")
    if not phonenumbers.is_valid_number(parsed):
        return PhoneNumber("invalid")
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    where = phonenumbers.region_code_for_number(parsed) or ""
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.MOBILE:
        return PhoneNumber("mobile", number, where)
    if kind in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST):
        return PhoneNumber("premium", number, where)
    return PhoneNumber("landline", number, where)
