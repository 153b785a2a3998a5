"""A call's state survives its trip through the step URL, whatever the call did."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.pack import load_pack
from messages import DEFAULT_PACK_DIR
from service.twilio import call_state
from tests.fakes import Followups
from tests.support import call_state_in

PACK = load_pack(DEFAULT_PACK_DIR)
AT = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
FERNET = call_state.call_sealer(b"test-key")

events = st.lists(
    st.tuples(
        st.sampled_from(["digits", "digits", "digits", "speech", "silence", "dial"]),
        st.sampled_from(
            ["1", "2", "3", "4", "5", "9", "0", "*", "8", "07400123456", "01234567890", "text me the links", "completed", "busy"]
        ),
    ),
    max_size=15,
)


@given(events=events, caller=st.sampled_from(["+447400123456", "anonymous", "+441234567890"]))
def test_every_state_a_call_reaches_comes_back_from_its_url(events, caller):
    session, services = Session(channel="voice"), Followups().services()
    reply, session = step(PACK, session, Event("start", at=AT, caller=caller), services)
    for kind, value in events:
        assert call_state.decode(call_state.encode(session, FERNET), FERNET, ttl=60) == session
        reply, session = step(PACK, session, Event(kind, value, at=AT, caller=caller), services)


def test_a_keyed_number_is_sealed_in_the_url_and_opens_only_with_the_key():
    session = Session(
        channel="voice",
        menu="voice_main",
        node="text:confirm_number",
        pending={"topic": "steps", "from": "steps", "number": "+447400123456"},
    )
    encoded = call_state.encode(session, FERNET)
    assert "7400123456" not in call_state_in(f"/voice/step?n=1&s={encoded}")
    assert call_state.decode(encoded, FERNET, ttl=60) == session
    # Under another key (SIGNPOST_SECRET_KEY rotated) the number is gone: the caller is asked again.
    assert "number" not in call_state.decode(encoded, call_state.call_sealer(b"another"), ttl=60).pending
