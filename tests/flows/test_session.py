"""A session read back from outside (a call's state rides in its step URL): whatever
comes back, the flow gets a well-typed session and answers."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.pack import load_pack
from messages import DEFAULT_PACK_DIR

PACK = load_pack(DEFAULT_PACK_DIR)
AT = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
FRESH = Session(channel="voice")

# stored data -> the session it gives
CASES = [
    (None, FRESH),
    ("voice_main", FRESH),
    ({"channel": "sms", "menu": "main"}, FRESH),
    ({"channel": "voice", "menu": 5}, FRESH),
    ({"channel": "voice", "node": ["steps"]}, FRESH),
    ({"channel": "voice", "trail": "voice_main"}, FRESH),
    ({"channel": "voice", "trail": [1]}, FRESH),
    ({"channel": "voice", "silences": "2"}, FRESH),
    ({"channel": "voice", "silences": True}, FRESH),
    ({"channel": "voice", "silences": -1}, FRESH),
    ({"channel": "voice", "slow": "yes"}, FRESH),
    ({"channel": "voice", "pending": "number"}, FRESH),
    ({"channel": "voice", "pending": {"tries": "2"}}, FRESH),
    ({"channel": "voice", "pending": {"number": 7400123456}}, FRESH),
    (
        {
            "channel": "voice",
            "menu": "voice_main",
            "node": "steps",
            "trail": ["voice_main"],
            "silences": 1,
            "slow": True,
            "pending": {"topic": "steps", "from": "steps", "tries": 1},
            "unknown": 1,
        },
        Session(
            channel="voice",
            menu="voice_main",
            node="steps",
            trail=["voice_main"],
            silences=1,
            slow=True,
            pending={"topic": "steps", "from": "steps", "tries": 1},
        ),
    ),
]


@pytest.mark.parametrize("data, expected", CASES)
def test_stored_data_gives(data, expected):
    assert Session.from_dict(data, channel="voice") == expected


def test_a_session_survives_the_round_trip():
    session = Session(
        channel="voice",
        menu="voice_more",
        node="what_it_is",
        trail=["voice_main"],
        silences=2,
        slow=True,
        pending={"topic": "steps", "from": "steps", "tries": 2},
    )
    assert Session.from_dict(session.to_dict(), channel="voice") == session


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "channel": st.sampled_from(["voice", "sms"]) | json_values,
        "menu": st.sampled_from(["voice_main", "voice_more", "nope"]) | json_values,
        "node": st.sampled_from(["voice_main", "steps", "text:enter_number", "text:confirm_number"]) | json_values,
        "trail": st.lists(st.sampled_from(["voice_main", "voice_more"]), max_size=6) | json_values,
        "silences": st.integers(min_value=-1, max_value=5) | json_values,
        "slow": st.booleans() | json_values,
        "pending": st.fixed_dictionaries(
            {},
            optional={
                "topic": st.sampled_from(["steps", "followup", "nope"]) | json_values,
                "from": st.sampled_from(["steps", "voice_main"]) | json_values,
                "number": st.sampled_from(["+447400123456", "", "x"]) | json_values,
                "tries": st.integers(min_value=-1, max_value=5) | json_values,
            },
        )
        | json_values,
    },
)


@given(
    data=fields | json_values,
    kind=st.sampled_from(["digits", "speech", "silence", "dial"]),
    value=st.sampled_from(["", "1", "2", "9", "0", "*", "8", "07400123456", "completed", "busy"]),
)
def test_any_state_read_back_gives_a_reply(data, kind, value):
    session = Session.from_dict(data, channel="voice")
    assert session.channel == "voice"
    assert session.menu is None or isinstance(session.menu, str)
    assert type(session.silences) is int and isinstance(session.slow, bool)
    reply, after = step(PACK, session, Event(kind, value, at=AT, caller="+447400123456"))
    assert reply.say or reply.dial or reply.hangup
    assert after.channel == "voice"
