"""Phone numbers never rest in Redis or logs: everything is keyed by an HMAC of them.

HMAC-SHA256 with ``SIGNPOST_SECRET_KEY``, not a plain hash: UK mobile numbers are
few enough to hash them all, so a plain hash would be a phone book.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet

from flows.phones import E164_SHAPE, e164

# Twilio sends numbers in E.164 already (phones.E164_SHAPE); only other forms need
# phonenumbers' parser.


def number_id(raw: str | None, key: bytes, region: str = "GB") -> str:
    """A stable pseudonym for a phone number (E.164 first, so formats agree)."""
    raw = (raw or "").strip()
    canonical = raw if E164_SHAPE.fullmatch(raw) else (e164(raw, region) or raw.casefold())
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()[:32]


def address_id(channel: str, address: str, key: bytes) -> str:
    """A pseudonym for a person on a channel other than SMS and calls (WhatsApp):
    the channel is part of what is hashed, so the same number has a separate
    session, opt-out and count there; the address is never parsed as a number."""
    return hmac.new(key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def token_id(*parts: str) -> str:
    """A fixed-size key for an id Twilio sent (MessageSid, CallSid, a token)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def short(pseudonym: str) -> str:
    """Enough of a pseudonym to follow one conversation through the logs."""
    return pseudonym[:10]


@functools.lru_cache(maxsize=8)
def sealer(key: bytes, purpose: bytes) -> Fernet:
    """Symmetric encryption for what must hold a number for a while (a keyed number
    between turns of a call, a queued follow-up): one key a purpose, derived from
    ``SIGNPOST_SECRET_KEY``, so nothing sealed for one use opens for another."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(purpose + b"\x1f" + key).digest()))


def call_id(call_sid: str, key: bytes) -> str:
    """A stable pseudonym for one call, keyed like the phone-number pseudonyms."""
    return hmac.new(key, b"call:" + call_sid.encode(), hashlib.sha256).hexdigest()[:32]
