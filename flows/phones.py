"""Phone numbers: the one module that reads them, and the one rule for who may be texted.

Everything that needs to know what a number is comes here: a caller ID, a number
a caller keyed, a line's own number in the settings, a number a content pack
states. ``phonenumbers`` (Google's libphonenumber) does the parsing; this module
decides what the line makes of the answer, as notifications-utils'
``recipient_validation/phone_number.py`` does for GOV.UK Notify.

Twilio sends the caller ID as the network gives it: E.164 for most calls, but
``anonymous``, ``Restricted``, an empty string or one of its placeholder numbers
when the caller hides it.

Who may be texted: a valid mobile number in one of the allowed regions
(``SIGNPOST_ALLOWED_REGIONS``, default GB). Anything else is refused with a
named reason, so a caller can be told the one thing they can correct (that the
number is not a mobile here) and nothing else.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, shortnumberinfo

# What Twilio puts in From when the caller ID is withheld (see Twilio's docs on
# anonymous callers): words, and numbers that are not real lines.
WITHHELD_WORDS = frozenset(["", "anonymous", "restricted", "unknown", "private", "unavailable"])
PLACEHOLDER_NUMBERS = frozenset(["+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"])
DEFAULT_TEXT_REGIONS = ("GB",)


class Kind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"  # fixed line, VoIP and the like
    PREMIUM = "premium"  # premium rate and shared cost
    WITHHELD = "withheld"
    INVALID = "invalid"


class Refusal(StrEnum):
    """Why a number may not be texted."""

    WITHHELD = "withheld"
    INVALID = "invalid"
    NOT_MOBILE = "not_mobile"
    OTHER_REGION = "other_region"


@dataclass(frozen=True)
class PhoneNumber:
    """A caller ID or keyed number, understood."""

    kind: Kind
    e164: str = ""
    region: str = ""

    @property
    def last_three(self) -> str:
        return self.e164[-3:] if self.e164 else ""

    def refusal(self, regions: tuple[str, ...] | frozenset[str] = DEFAULT_TEXT_REGIONS) -> Refusal | None:
        """Why the line may not text this number; None when it may."""
        if self.kind in (Kind.WITHHELD, Kind.INVALID):
            return Refusal(self.kind.value)
        if self.kind != Kind.MOBILE:
            return Refusal.NOT_MOBILE
        if self.region not in regions:
            return Refusal.OTHER_REGION
        return None

    def textable(self, regions: tuple[str, ...] | frozenset[str] = DEFAULT_TEXT_REGIONS) -> bool:
        return self.refusal(regions) is None


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def e164(raw: str, region: str = "GB") -> str | None:
    """``raw`` in E.164 (``+447700900123``), or None when it is no phone number."""
    parsed = _parse(raw, region)
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def classify(raw: str | None, region: str = "GB") -> PhoneNumber:
    raw = (raw or "").strip()
    if raw.casefold() in WITHHELD_WORDS or raw in PLACEHOLDER_NUMBERS:
        return PhoneNumber(Kind.WITHHELD)
    parsed = _parse(raw, region)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return PhoneNumber(Kind.INVALID)
    number = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    where = phonenumbers.region_code_for_number(parsed) or ""
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.MOBILE:
        return PhoneNumber(Kind.MOBILE, number, where)
    if kind in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST):
        return PhoneNumber(Kind.PREMIUM, number, where)
    return PhoneNumber(Kind.LANDLINE, number, where)


def national(number: str, region: str = "GB") -> str:
    """``+447400123456`` -> ``07400 123456``: as a caller in ``region`` would key it."""
    parsed = _parse(number, region)
    if parsed is None:
        return number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)


def mask(number: str) -> str:
    """``+447400123456`` -> ``+44 7*** ***456``: enough to recognise, not enough to dial.

    The same number of stars whatever the length, so the mask does not leak it.
    """
    parsed = _parse(number, None)
    if parsed is None:
        return "***"
    digits = str(parsed.national_number)
    if len(digits) < 6:
        return "***"
    return f"+{parsed.country_code} {digits[0]}*** ***{digits[-3:]}"


# Kinds of number a content pack may state, and what phonenumbers must agree each one is.
STATED_TYPES = {
    "fixed_line": (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "mobile": (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "uan": (PhoneNumberType.UAN,),
    "toll_free": (PhoneNumberType.TOLL_FREE,),
}
SHORT_CODE = "short_code"


def is_stated_kind(number: str, kind: str, region: str) -> bool:
    """Whether a number written in a pack is a valid number of the kind it says, in ``region``."""
    parsed = _parse(number, region)
    if parsed is None:
        return False
    if kind == SHORT_CODE:
        return shortnumberinfo.is_valid_short_number_for_region(parsed, region)
    return phonenumbers.is_valid_number_for_region(parsed, region) and (phonenumbers.number_type(parsed) in STATED_TYPES.get(kind, ()))


# A WhatsApp sender as Twilio writes it: ``whatsapp:+447400123456``. Twilio also
# sends business-scoped user ids (``whatsapp:US.1234``) that are no phone number.
WHATSAPP = "whatsapp:"
# What Twilio sends for a phone number: "+", then at most 15 digits (E.164's limit).
E164_SHAPE = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclass(frozen=True)
class Texter:
    """Who a message came from: the channel, and the address on it.

    channel: ``sms`` or ``whatsapp``. address: what identifies the person on that
    channel - the From number as Twilio sent it for SMS; for WhatsApp the E.164
    number after ``whatsapp:``, or the whole sender, lower-cased, when it is not
    of that form (``is_number`` is then False, and nothing parses it as a number:
    ``whatsapp:US.1234`` is not a US or UK phone number).
    """

    channel: str
    address: str
    is_number: bool


def sender(raw: str | None) -> Texter:
    raw = (raw or "").strip()
    if raw[: len(WHATSAPP)].casefold() != WHATSAPP:
        return Texter("sms", raw, True)
    rest = raw[len(WHATSAPP) :]
    if E164_SHAPE.fullmatch(rest):
        return Texter("whatsapp", rest, True)
    return Texter("whatsapp", raw.casefold(), False)


@functools.cache
def _home_codes(regions: tuple[str, ...] | frozenset[str]) -> dict[str, tuple[re.Pattern, ...]]:
    """How numbers in ``regions`` begin in E.164 (``+44``), each with the mobile ranges of
    the regions that share that calling code but are not in ``regions``: +44 is also
    Jersey's, Guernsey's and the Isle of Man's, +1 a score of countries'."""
    codes = {phonenumbers.country_code_for_region(r) for r in regions} - {0}
    others = {}
    for code in sorted(codes):
        ranges = []
        for region in phonenumbers.region_codes_for_country_code(code):
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
            mobile = metadata.mobile if metadata else None
            if region not in regions and mobile and mobile.national_number_pattern:
                ranges.append(re.compile(mobile.national_number_pattern))
        others[f"+{code}"] = tuple(ranges)
    return others


def sent_from_home(raw: str | None, regions: tuple[str, ...] | frozenset[str] = DEFAULT_TEXT_REGIONS) -> bool:
    """Whether a texter's number (E.164, as Twilio sends it) is of one of ``regions``, so
    that a reply to it is a text at home rather than abroad. A short code, a sender
    name or anything longer than E.164 allows is not at home, nor a mobile of a region sharing the calling code (a Jersey
    mobile begins +44). By phonenumbers' own ranges, matched directly: parsing each
    texter's number cost a text a fifth of its time."""
    number = (raw or "").strip()
    if not E164_SHAPE.fullmatch(number):
        return False
    for prefix, abroad in _home_codes(regions).items():
        if number.startswith(prefix):
            national = number[len(prefix) :]
            return not any(mobiles.fullmatch(national) for mobiles in abroad)
    return False
