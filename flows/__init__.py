"""The conversation: pure Python, no Flask, Twilio, Redis or network.

``step(pack, session, event) -> (reply, session)`` is the whole interface.
"""

from flows.engine import step
from flows.model import Event, Session

__all__ = ["Event", "Session", "step"]
