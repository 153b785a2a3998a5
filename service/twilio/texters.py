"""Who texts the line from home: the one rule for which texters get a home allowance.

A reply costs the line a text to the sender's number. A number is at home when it is
a valid number of an allowed region (``SIGNPOST_ALLOWED_REGIONS``) of a type that can
receive texts: a mobile. "Any +44 string" is not enough: premium rate (+44 9),
personal numbers (+44 70), pagers (+44 76), numbers no operator has been given, and
the mobiles of Jersey, Guernsey and the Isle of Man all begin +44, and a spoofed
sender of any of them would otherwise get a texter's own allowance. Everyone else,
by SMS or WhatsApp, shares the small allowance abroad.

phonenumbers' own mobile ranges for each allowed region decide it, matched directly
against the number after its calling code: the same patterns ``number_type`` reads,
without parsing the number first (parsing each texter's number cost a text a fifth
of its time). A test holds this to phonenumbers' full parse.
"""

from __future__ import annotations

import functools
import re

import phonenumbers

from flows.phones import E164_SHAPE, Texter


@functools.cache
def _mobile_ranges(regions: tuple[str, ...] | frozenset[str]) -> tuple[tuple[str, re.Pattern], ...]:
    """(``+44``, the region's mobile numbers after it) for each allowed region."""
    ranges = []
    for region in sorted(regions):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        code = phonenumbers.country_code_for_region(region)
        mobile = metadata.mobile if metadata else None
        if code and mobile and mobile.national_number_pattern:
            ranges.append((f"+{code}", re.compile(mobile.national_number_pattern)))
    return tuple(ranges)


def number_at_home(number: str, regions: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether ``number`` (E.164) is a mobile of one of ``regions``."""
    number = number.strip()
    if not E164_SHAPE.fullmatch(number):
        return False  # a short code, a sender name, anything longer than E.164 allows
    return any(number.startswith(code) and mobiles.fullmatch(number[len(code) :]) for code, mobiles in _mobile_ranges(regions))


def texts_from_home(who: Texter, regions: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether a texter (SMS or WhatsApp) gets a home allowance of replies. A WhatsApp
    sender with no number (``whatsapp:US.1234``) is no one's home texter."""
    return who.is_number and number_at_home(who.address, regions)
