"""What the whole line may be made to send: the ceiling on pages in an hour, who counts
as texting from home, and caps that hold when Redis refuses writes.

Each attack is sent as Twilio would deliver it, signed, to the app over real HTTP with a
real Redis; a reply is what the TwiML would have Twilio send.
"""

import json
import secrets
import time
import xml.etree.ElementTree as ET

import phonenumbers
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from flows.phones import Kind, classify
from service.state import keys
from service.state.embedded_redis import EmbeddedRedis
from service.state.local_caps import Decision, LocalCaps
from service.state.pseudonyms import number_id
from service.state.store import Turn
from service.twilio.texters import number_at_home
from tests.support import MAIN_MENU_CHOICES, SECRET_KEY, TEXTER, Twilio, message_text, redis_contents, starts_with_999


def example(kind: PhoneNumberType, region: str = "GB") -> str:
    number = phonenumbers.example_number_for_type(region, kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PREMIUM, PERSONAL, PAGER = example(PhoneNumberType.PREMIUM_RATE), example(PhoneNumberType.PERSONAL_NUMBER), example(PhoneNumberType.PAGER)
INVALID = "+4420"  # +44, and no number at all
MOBILES = [f"+4474001234{n:02d}" for n in range(10)]


def replied(response) -> bool:
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content).find("Message") is not None


def test_the_examples_are_what_they_say():
    assert PREMIUM.startswith("+449") and PERSONAL.startswith("+4470") and PAGER.startswith("+4476")
    assert all(classify(m).kind == Kind.MOBILE for m in MOBILES)


def test_premium_personal_pager_and_invalid_plus_44_senders_share_the_allowance_abroad(serve, config):
    twilio = Twilio(serve(config.with_(sms_replies_abroad_per_hour=2)).url)
    answered = [replied(twilio.sms("hi", sender=number)) for number in (PREMIUM, PERSONAL, PAGER, INVALID)]
    assert answered == [True, True, False, False]
    assert replied(twilio.sms("hi", sender=TEXTER))  # a UK mobile has its own allowance


def test_whatsapp_senders_of_any_country_share_the_allowance_abroad(serve, config):
    twilio = Twilio(serve(config.with_(sms_replies_abroad_per_hour=2)).url)
    abroad = ["whatsapp:+14155550100", "whatsapp:+33612345678", "whatsapp:US.12345", "whatsapp:+4916012345678"]
    assert [replied(twilio.sms("hi", sender=number)) for number in abroad] == [True, True, False, False]
    assert replied(twilio.sms("hi", sender=f"whatsapp:{TEXTER}"))


def test_the_line_sends_its_ceiling_of_pages_then_tells_each_texter_once_it_is_busy(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(sms_replies_line_per_hour=3)).url)
    assert all(replied(twilio.sms("hi", sender=number)) for number in MOBILES[:3])
    busy = message_text(twilio.sms("hi", sender=MOBILES[3]))
    assert starts_with_999(busy) and "busy" in busy
    assert not replied(twilio.sms("helpline", sender=MOBILES[3]))  # told once in the hour
    assert "busy" in message_text(twilio.sms("hi", sender=MOBILES[4]))
    # A STOP is still recorded and confirmed.
    stop = message_text(twilio.sms("STOP", sender=MOBILES[5]))
    assert "START" in stop
    assert redis_client.exists(keys.optout(number_id(MOBILES[5], SECRET_KEY.encode())))
    assert redis_client.zcard(keys.LINE_REPLIES) == 6  # three pages, two notices, the confirmation
    assert 3500 < redis_client.ttl(keys.LINE_REPLIES) <= 3600
    # Twice the ceiling sent: new texters get nothing, and a STOP is recorded unconfirmed.
    assert not replied(twilio.sms("hi", sender=MOBILES[6]))
    assert not replied(twilio.sms("STOP", sender=MOBILES[7]))
    assert redis_client.exists(keys.optout(number_id(MOBILES[7], SECRET_KEY.encode())))
    assert redis_client.zcard(keys.LINE_REPLIES) == 6


def test_a_thousand_spoofed_senders_get_no_more_than_the_ceiling(serve, config):
    """The attack scaled down: 40 senders at home and 40 abroad, 3 texts each, against a
    ceiling of 10 pages: 10 pages, then busy notices until as many again were sent, and
    abroad no more replies of either kind than its allowance."""
    twilio = Twilio(serve(config.with_(sms_replies_line_per_hour=10, sms_replies_abroad_per_hour=5)).url)
    home = [f"+4474009{n:05d}" for n in range(40)]
    abroad = [f"+4470{n:08d}" for n in range(40)]  # personal numbers
    pages = busy = 0
    for _ in range(3):
        for number in home + abroad:
            response = twilio.sms("hi", sender=number)
            if replied(response):
                text = message_text(response)
                busy += "very busy" in text
                pages += "very busy" not in text
    assert pages == 10 and pages + busy == 20


def test_a_texter_held_back_keeps_their_place_and_the_page_is_not_counted(serve, config, redis_client):
    twilio = Twilio(serve(config.with_(sms_replies_per_hour=1)).url)
    assert MAIN_MENU_CHOICES in message_text(twilio.sms("hi"))
    me = number_id(TEXTER, SECRET_KEY.encode())
    [session_key] = redis_client.keys(f"{keys.PREFIX}session:sms:*:{me}")
    before = redis_client.get(session_key)
    [stats_key] = redis_client.keys(f"{keys.PREFIX}stats:*")
    counted = redis_client.hgetall(stats_key)
    assert not replied(twilio.sms("you"))  # flooded: they never see where this would lead
    assert not replied(twilio.sms("3"))
    assert redis_client.get(session_key) == before
    assert redis_client.hgetall(stats_key) == counted


@settings(max_examples=300, deadline=None)
@given(st.text("0123456789", min_size=4, max_size=12), st.sampled_from(["44", "1", "353", "33"]))
def test_at_home_is_a_valid_mobile_of_an_allowed_region_as_phonenumbers_says(digits, code):
    number = f"+{code}{digits}"
    parsed = phonenumbers.parse(number)
    # Twilio sends From in canonical E.164; a form phonenumbers has to tidy first
    # ("+1" then a national "1": +112012000000) is not a home texter's number.
    canonical = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    textable = (
        canonical
        and phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )
    region = phonenumbers.region_code_for_number(parsed)
    for regions in (("GB",), ("GB", "IE"), ("US",)):
        assert number_at_home(number, regions) == (textable and region in regions), number


def test_a_message_twilio_answered_gets_nothing_from_the_fallback_either(serve, config):
    twilio = Twilio(serve(config).url)
    stop = {
        "From": TEXTER,
        "To": "+441234567890",
        "Body": "STOP",
        "OptOutType": "STOP",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/SM/Media/ME" + "1" * 32,
    }
    assert not replied(twilio.post("/sms", stop))
    assert not replied(twilio.post("/sms/fallback", stop))
    assert replied(twilio.post("/sms/fallback", {**stop, "OptOutType": ""}))


class TestRedisRefusingWrites:
    """maxmemory reached under noeviction: every write refused, reads still answered."""

    @pytest.fixture
    def full_redis(self, redis_client):
        redis_client.config_set("maxmemory", "1")
        try:
            with pytest.raises(Exception, match="maxmemory"):
                redis_client.set("probe", "x")
            yield redis_client
        finally:
            redis_client.config_set("maxmemory", "0")

    def test_caps_fail_closed_and_healthz_says_degraded(self, serve, config, full_redis):
        live = serve(config.with_(sms_replies_per_hour=4, sms_replies_line_per_hour=6))
        twilio = Twilio(live.url)
        mine = [replied(twilio.sms("hi")) for _ in range(6)]
        assert mine == [True] * 4 + [False] * 2  # a number's 4
        assert not replied(twilio.sms("hi", sender="+14155550100"))  # nothing abroad
        assert not replied(twilio.sms("hi", sender=PREMIUM))
        # The line's ceiling of 6, then busy once each.
        others = [twilio.sms("hi", sender=number) for number in MOBILES[:3]]
        assert [replied(r) for r in others] == [True, True, True]
        assert "very busy" in message_text(others[-1])
        assert not replied(twilio.sms("hi", sender=MOBILES[2]))
        health = requests.get(live.url + "/healthz", timeout=5).json()
        assert health["status"] == "degraded", health
        assert health["redis"] == "refusing writes", health

    def test_nothing_is_written_past_the_limit_by_a_text_or_a_replayed_journal(self, serve, config, tmp_path):
        """Each script's first write may be one that frees memory (DEL of a session, of an
        opt-out): Redis must still refuse the whole script, not let it write on."""
        live = serve(config.with_(state_dir=str(tmp_path / "state")))
        line = live.app.extensions["signpost"]
        twilio = Twilio(live.url)
        starter = number_id(MOBILES[5], SECRET_KEY.encode())
        message_text(twilio.sms("hi"))  # a session, so TEXTER's STOP begins with its DEL
        message_text(twilio.sms("STOP", sender=MOBILES[5]))  # an opt-out, which a START DELs
        client = line.store.redis
        before = dict(redis_contents(client))
        client.config_set("maxmemory", "1")
        try:
            # A START journalled by another process: its replay begins with the DEL.
            line.journal.record(starter, "opt_in")
            line.redis_failed()  # the next text replays the journal, into a full Redis
            twilio.sms("hi", sender=MOBILES[6])
            message_text(twilio.sms("STOP"))
            message_text(twilio.sms("START", sender=MOBILES[5]))
            after = dict(redis_contents(client))
        finally:
            client.config_set("maxmemory", "0")
        assert after == before
        # Nothing lost: the STOP and both STARTs wait in the journal for Redis to have room.
        assert line.journal.pending()

    def test_busy_notices_count_so_new_numbers_stop_at_twice_the_ceiling(self, serve, config, full_redis):
        live = serve(config.with_(sms_replies_line_per_hour=4))
        twilio = Twilio(live.url)
        answered = [replied(twilio.sms("hi", sender=f"+4474005{n:05d}")) for n in range(30)]
        assert sum(answered) == 8  # 4 pages, then 4 busy notices, then silence

    def test_machines_behind_one_number_share_the_ceiling_too(self, serve, config, full_redis):
        live = serve(config.with_(sms_replies_line_per_hour=4, web_machines=2))  # a share of 2
        twilio = Twilio(live.url)
        answered = [replied(twilio.sms("hi", sender=f"+4474005{n:05d}")) for n in range(30)]
        assert sum(answered) == 4  # 2 pages, then 2 busy notices, then silence

    def test_a_number_that_had_most_of_its_hour_before_redis_refused_writes_gets_only_the_rest(self, serve, config, redis_client):
        twilio = Twilio(serve(config.with_(sms_replies_per_hour=4)).url)
        assert [replied(twilio.sms("hi")) for _ in range(3)] == [True] * 3
        redis_client.config_set("maxmemory", "1")
        try:
            # Redis still reads: 3 of 4 were sent, so one more.
            during = [replied(twilio.sms("hi")) for _ in range(4)]
            other = replied(twilio.sms("hi", sender=MOBILES[1]))
        finally:
            redis_client.config_set("maxmemory", "0")
        assert during == [True, False, False, False] and other
        # Back with Redis, which now counts the one sent meanwhile too: none.
        assert [replied(twilio.sms("hi")) for _ in range(2)] == [False, False]

    def test_what_the_processes_sent_while_redis_refused_is_counted_once_it_takes_writes(self, serve, config, full_redis):
        twilio = Twilio(serve(config.with_(sms_replies_line_per_hour=4)).url)
        during = [replied(twilio.sms("hi", sender=f"+4474005{n:05d}")) for n in range(10)]
        assert sum(during) == 8  # 4 pages and 4 busy notices, by the process's own caps
        full_redis.config_set("maxmemory", "0")
        after = [replied(twilio.sms("hi", sender=f"+4474006{n:05d}")) for n in range(10)]
        assert not any(after)  # the 8 are counted in Redis now: twice the ceiling, so nothing
        assert full_redis.zcard(keys.LINE_REPLIES) == 8

    def test_a_number_at_its_cap_gets_no_more_while_redis_is_away(self, serve, config, tmp_path):
        own = EmbeddedRedis(tmp_path / "redis")
        own.start()
        try:
            twilio = Twilio(serve(config.with_(redis_url=own.url, sms_replies_per_hour=3)).url)
            assert [replied(twilio.sms("hi")) for _ in range(3)] == [True] * 3
            own.stop()
            assert not any(replied(twilio.sms("hi")) for _ in range(3))  # remembered from Redis
            assert replied(twilio.sms("hi", sender=MOBILES[1]))  # someone else is answered
        finally:
            own.stop()

    def test_a_ceiling_reached_before_redis_refused_writes_is_not_sent_again(self, serve, config, redis_client):
        """The line sent its pages and its busy notices while Redis counted; then Redis
        filled up. The process's own caps start where Redis stood, not at nought."""
        twilio = Twilio(serve(config.with_(sms_replies_line_per_hour=2)).url)
        sent = [replied(twilio.sms("hi", sender=number)) for number in MOBILES[:6]]
        assert sent == [True, True, True, True, False, False]  # 2 pages, 2 busy notices, silence
        redis_client.config_set("maxmemory", "1")
        try:
            later = [replied(twilio.sms("hi", sender=f"+4474005{n:05d}")) for n in range(10)]
        finally:
            redis_client.config_set("maxmemory", "0")
        assert not any(later)

    def test_a_ceiling_part_used_before_redis_refused_writes_leaves_only_its_remainder(self, serve, config, redis_client):
        """Three of the hour's four pages went while Redis counted: once it refuses writes,
        one more page goes, then the busy notices, as if Redis still counted."""
        twilio = Twilio(serve(config.with_(sms_replies_line_per_hour=4)).url)
        assert all(replied(twilio.sms("hi", sender=number)) for number in MOBILES[:3])
        redis_client.config_set("maxmemory", "1")
        try:
            later = [twilio.sms("hi", sender=f"+4474005{n:05d}") for n in range(8)]
        finally:
            redis_client.config_set("maxmemory", "0")
        said = [message_text(answer) if replied(answer) else "" for answer in later]
        assert starts_with_999(said[0]) and "very busy" not in said[0]
        assert all("very busy" in text for text in said[1:5])  # the count reaches twice the ceiling
        assert said[5:] == ["", "", ""]

    def test_a_journal_redis_refuses_is_not_read_and_written_back_on_every_text(self, serve, config, tmp_path):
        live = serve(config.with_(state_dir=str(tmp_path / "state")))
        line = live.app.extensions["signpost"]
        twilio = Twilio(live.url)
        client = line.store.redis
        client.config_set("maxmemory", "1")
        try:
            message_text(twilio.sms("STOP"))  # journalled
            twilio.sms("hi", sender=MOBILES[1])  # a replay is tried, refused, written back
            written = line.journal.path.stat().st_ino
            for n in range(5):
                twilio.sms("hi", sender=MOBILES[2 + n])
            assert line.journal.path.stat().st_ino == written  # not tried again at once
        finally:
            client.config_set("maxmemory", "0")


def test_the_ceilings_count_a_sliding_hour_so_no_burst_passes_at_an_hours_edge(live):
    """1 page early in the hour, 3 just before its end: the line's 4. Just after the hour,
    only the one that aged out may go again, not a fresh 4 (a fixed hour let through
    twice the ceiling in under a minute); the same for one number's allowance."""
    store = live.app.extensions["signpost"].store
    page = json.dumps({"": ["main", "", ""]})

    def answer(person: str, at: float, limit: int = 30) -> str:
        turn = Turn("sms", person, secrets.token_hex(8), "en-GB-coventry")
        return store.answer(turn, page, number_id=person, reply_limit=limit, line_limit=4, busy="#busy", now=at).status

    start = time.time()
    assert answer("a", start) == "answered"
    assert [answer(p, start + 3590) for p in "bcd"] == ["answered"] * 3
    after = [answer(p, start + 3610) for p in "fghij"]
    assert after == ["answered", "busy", "busy", "busy", "busy"]
    # One number's allowance alike: 2 an hour, used just before the edge, is not new after it.
    assert [answer("k", start + 7300, limit=2) for _ in range(2)] == ["answered"] * 2
    assert answer("k", start + 7300 + 3590, limit=2) == "flooded"


def test_a_machines_own_caps_count_a_sliding_hour_so_an_outage_across_the_hour_gets_no_second_allowance(tmp_path):
    clock = [3500.0]
    caps = LocalCaps(tmp_path / "caps", per_number=3, line_share=100, clock=lambda: clock[0])

    def decide(person: str = "a") -> Decision:
        return caps.decide(person, abroad=False, page=True, confirms_opt_change=False)

    assert [decide() for _ in range(3)] == [Decision.ANSWER] * 3
    clock[0] = 3700.0  # past the clock hour's turn, within an hour of the replies
    assert decide() == Decision.SILENT
    clock[0] = 3500.0 + 3601
    assert decide() == Decision.ANSWER  # an hour after them
