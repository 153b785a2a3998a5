"""A call's state as it travels in the next step's URL.

The state is the flow's :class:`~flows.model.Session`, as compact JSON in URL-safe
base64: Twilio signs the URL it calls, so the signature check covers it. A number
the caller keyed is the one part that would tell anyone anything, so it is sealed
(Fernet, from ``SIGNPOST_SECRET_KEY``) before it goes in, and opens only for as
long as a session may last.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import replace

from cryptography.fernet import Fernet, InvalidToken

from flows.model import Session
from service.state.pseudonyms import sealer

# The query parameter that carries the state.
PARAM = "s"


def call_sealer(key: bytes) -> Fernet:
    return sealer(key, b"call-state")


def encode(session: Session, fernet: Fernet) -> str:
    """``session`` for a URL: short, and with any keyed number sealed."""
    if session.pending is None:
        # Most turns are a caller moving between menus: the same few states again and again.
        return _encode_place(session.menu, session.node, tuple(session.trail), session.silences, session.slow, session.transfers)
    return _encoded(_conceal(session, fernet).to_dict())


@functools.lru_cache(maxsize=1024)
def _encode_place(menu, node, trail, silences, slow, transfers) -> str:
    return _encoded(Session("voice", menu, node, list(trail), silences, slow, transfers=transfers).to_dict())


def _encoded(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(text: str, fernet: Fernet, ttl: int) -> Session:
    """The session a URL carried; anything unreadable gives a fresh call's session."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        data = None
    return _reveal(Session.from_dict(data, channel="voice"), fernet, ttl)


def _conceal(session: Session, fernet: Fernet) -> Session:
    pending = session.pending
    if not pending or "number" not in pending:
        return session
    sealed = fernet.encrypt(str(pending["number"]).encode()).decode("ascii")
    return replace(session, pending={**pending, "number": sealed})


def _reveal(session: Session, fernet: Fernet, ttl: int) -> Session:
    pending = session.pending
    if not isinstance(pending, dict) or "number" not in pending:
        return session
    pending = dict(pending)
    try:
        pending["number"] = fernet.decrypt(str(pending["number"]).encode(), ttl=ttl).decode()
    except (InvalidToken, ValueError):
        # Unreadable (key changed, or too old): the flow asks for the number again.
        pending.pop("number")
    return replace(session, pending=pending)
