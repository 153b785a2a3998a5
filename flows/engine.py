"""One turn of the conversation: ``step(pack, session, event, services) -> (reply, session)``."""

from __future__ import annotations

from flows import sms, voice
from flows.model import Channel, Event, Session
from flows.pack import Pack
from flows.services import NONE, Services


def step(pack: Pack, session: Session, event: Event, services: Services = NONE):
    """Decide the reply to ``event`` and finish the turn; return the reply and the session.

    An SMS gets a :class:`flows.model.Reply`, a call a :class:`flows.model.VoiceReply`.
    What the turn needs done outside the flow (queueing a text) it asks of
    ``services``, and the reply already says how that went.
    """
    if session.channel == Channel.VOICE:
        return voice.step(pack, session, event, services)
    return sms.step(pack, session, event)
