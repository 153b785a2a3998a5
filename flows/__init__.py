"""The conversation: pure Python, no Flask, Twilio, Redis or network.

``step(pack, session, event, services) -> (reply, session)`` is the whole interface;
``services`` is what the shell lends it (see ``flows.services``).
"""

from flows.engine import step
from flows.model import Event, EventKind, Session
from flows.services import Services

__all__ = ["Event", "EventKind", "Services", "Session", "step"]
