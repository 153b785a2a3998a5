"""One turn of the conversation: ``step(pack, session, event) -> (reply, session)``."""

from __future__ import annotations

from flows import sms
from flows.model import Event, Session
from flows.pack import Pack


def step(pack: Pack, session: Session, event: Event):
    """Decide the reply to ``event``; return it with the session as it is now."""
    return sms.step(pack, session, event)
