"""One turn of the conversation: ``step(pack, session, event) -> (reply, session)``."""

from __future__ import annotations

from flows import sms, voice
from flows.model import Event, Session
from flows.pack import Pack


def step(pack: Pack, session: Session, event: Event):
    """Decide the reply to ``event``; return it with the session as it is now.

    An SMS gets a :class:`flows.model.Reply`, a call a :class:`flows.model.VoiceReply`.
    """
    if session.channel == "voice":
        return voice.step(pack, session, event)
    return sms.step(pack, session, event)
