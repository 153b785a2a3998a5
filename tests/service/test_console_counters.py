"""The counters the console's usage page reads, written by real signed webhooks."""

import datetime as dt

from service.line import Line
from service.state import keys
from service.state.store import uk_today
from service.web.console.attention import needs_attention
from tests.console_support import FLOODER, followup_config, make_traffic
from tests.support import TEXTER, Twilio


def events(redis_client, pack="en-GB-coventry", day=None) -> dict[str, int]:
    raw = redis_client.hgetall(keys.events(pack, day or uk_today()))
    return {k.decode(): int(v) for k, v in raw.items()}


def test_real_webhooks_count_conversations_opt_outs_floods_and_follow_ups(serve, config, fake_twilio, redis_client):
    config = followup_config(config, fake_twilio)
    twilio = Twilio(serve(config).url)
    expected = make_traffic(twilio, Line.start(config), fake_twilio)
    counted = events(redis_client)
    assert counted == {
        "sms:conversation": expected.sms_conversations,
        "voice:conversation": expected.voice_conversations,
        "sms:opt_out": 1,
        "sms:opt_in": 1,
        "sms:flooded": 1,
        "followup:queued": 1,
        "followup:sent": 1,
        "followup:delivered": 1,
        "voice:text:steps": 1,  # the withheld caller could not be texted: not counted
    }
    assert redis_client.ttl(keys.events("en-GB-coventry", uk_today())) > 300 * 24 * 3600


def test_a_retried_text_or_report_counts_once(twilio, redis_client):
    twilio.sms("STOP", sid="SM" + "1" * 32)
    twilio.sms("STOP", sid="SM" + "1" * 32)
    assert events(redis_client) == {"sms:conversation": 1, "sms:opt_out": 1}
    for _ in range(2):
        twilio.post("/sms/status", {"MessageSid": "SM" + "2" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    assert events(redis_client)["followup:undelivered:30003"] == 1


def test_a_conversation_is_counted_when_a_session_begins(twilio, redis_client):
    for body in ("hi", "1", "2"):
        twilio.sms(body)
    assert events(redis_client)["sms:conversation"] == 1
    redis_client.delete(*redis_client.keys("signpost:session:*"))  # 30 quiet minutes later
    twilio.sms("hi")
    assert events(redis_client)["sms:conversation"] == 2


def test_the_flood_limit_counts_each_text_held_back(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(sms_replies_per_hour=1)).url)
    for body in ("hi", "1", "2"):
        twilio.sms(body, sender=FLOODER)
    assert events(redis_client)["sms:flooded"] == 2


def test_counts_are_kept_by_pack_and_day(twilio, redis_client):
    twilio.sms("hi", sender=TEXTER)
    yesterday = uk_today() - dt.timedelta(days=1)
    assert events(redis_client, day=yesterday) == {}
    assert events(redis_client, pack="another-pack") == {}


def test_texts_held_back_by_a_ceiling_say_which_and_are_no_new_people(serve, config, redis_client):
    """A new texter held back keeps no session: each text is not another person. Held back
    by the ceiling all texters abroad share, or the line's own, it is counted as that, and
    the console says so among what needs attention."""
    config = config.with_(sms_replies_abroad_per_hour=1, sms_replies_line_per_hour=2)
    twilio = Twilio(serve(config).url)
    twilio.sms("hi", sender="+12025550101")  # abroad: the hour's one reply for all abroad
    for _ in range(3):
        twilio.sms("hi", sender="+12025550102")
    twilio.sms("hi", sender=TEXTER)  # at home: the line's second and last page this hour
    for _ in range(2):
        twilio.sms("hi", sender=FLOODER)
    counted = events(redis_client)
    assert counted["sms:conversation"] == 2, counted
    assert counted["sms:flooded_abroad"] == 3 and counted["sms:busy"] == 2, counted
    assert "sms:flooded" not in counted

    said = [item.text for item in needs_attention(Line.start(config), uk_today())]
    assert any(text.startswith("Today 3 texts got no answer because texters abroad") for text in said), said
    assert any("SIGNPOST_SMS_REPLIES_LINE_PER_HOUR" in text and text.startswith("Today 2 texts") for text in said), said
