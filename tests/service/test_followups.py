"""Follow-up texts end to end: request, the RQ worker, the real twilio client, a fake API.

Redis is real, the worker is RQ's own (in burst mode, in this process), and the
twilio client is the real one, talking HTTP to tests/fake_twilio.py through
TWILIO_API_BASE_URL.
"""

import datetime as dt
import threading
import time

import pytest
from rq.job import Job

from flows.model import FollowUp
from flows.render import EMERGENCY_SMS
from service.followups import asking as followups, delivery
from service.followups.delivery import Delivered
from service.followups.sweep import GRACE, sweep
from service.state import keys
from service.cli.worker import run_once
from flows.model import FollowUpOutcome
from service.line import Line
from service.twilio.sender import sender_for
from tests.fake_twilio import created, refused, server_error, slow, too_many
from tests.support import TEXTER, run_followups

ACCOUNT = "AC" + "0" * 32
SENDER = "+447700900100"
PUBLIC = "https://line.example.org"
OTHER = "+447400765432"


@pytest.fixture
def followup_config(config, fake_twilio):
    return config.with_(
        account_sid=ACCOUNT,
        from_number=SENDER,
        public_base_url=PUBLIC,
        api_base_url=fake_twilio.url,
        followup_retry_seconds=3,
        followup_send_timeout=0.5,
    )


@pytest.fixture
def line(followup_config):
    return Line.start(followup_config)


def ask(line, number=TEXTER, job_id="CA1:links"):
    return followups.request(line, FollowUp("followup", number), job_id=job_id)


def record(line, job_id="CA1:links") -> dict:
    raw = line.store.redis.hgetall(followups.record_key(job_id))
    return {k.decode(): v.decode() for k, v in raw.items()}


def test_a_request_sends_exactly_one_text_with_the_links(line, fake_twilio):
    assert ask(line) == FollowUpOutcome.QUEUED
    assert fake_twilio.messages == []  # nothing is sent inside the request
    run_followups(line)

    [sent] = fake_twilio.messages
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent.account == ACCOUNT
    assert sent.form["To"] == TEXTER
    assert sent.form["From"] == SENDER
    assert sent.form["StatusCallback"] == PUBLIC + "/sms/status"
    lines = sent.form["Body"].splitlines()
    assert lines[0] == EMERGENCY_SMS
    body = sent.form["Body"]
    assert "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/report-remove/" in body
    assert "https://takeitdown.ncmec.org" in body
    assert "0344 381 4772" in body
    assert "Reply 0 for the menu." in body  # a reply to the text gets the whole guidance
    assert body == line.pack.sms_page("followup", dt.datetime.now(dt.timezone.utc))
    assert record(line)["outcome"] == Delivered.SENT


def test_a_messaging_service_sends_instead_of_a_number(line, fake_twilio, followup_config):
    service_line = Line.start(followup_config.with_(messaging_service_sid="MG" + "1" * 32, from_number=""))
    assert ask(service_line) == FollowUpOutcome.QUEUED
    run_followups(service_line)
    [sent] = fake_twilio.messages
    assert sent.form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in sent.form


def test_a_retried_webhook_queues_nothing_new_and_uses_no_allowance(line, fake_twilio):
    assert ask(line) == FollowUpOutcome.QUEUED
    assert ask(line) == FollowUpOutcome.DUPLICATE
    run_followups(line)
    assert ask(line) == FollowUpOutcome.DUPLICATE  # after it was sent, too
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    # Three a day: the retries above did not use up two of them.
    assert ask(line, job_id="CA2:links") == FollowUpOutcome.QUEUED
    assert ask(line, job_id="CA3:links") == FollowUpOutcome.QUEUED


def test_a_job_that_runs_twice_sends_once(line, fake_twilio):
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    # The same job again, as a crashed worker or a hand re-queue would run it.
    delivery.enqueue(
        followups.queue(line), TEXTER, "again", followup=followups.followup_id("CA1:links"), config=line.config, topic="followup"
    )
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert record(line)["outcome"] == Delivered.SENT


def test_429s_are_retried_after_a_gap_until_sent(line, fake_twilio):
    fake_twilio.script(too_many(), too_many(), created())
    assert ask(line) == FollowUpOutcome.QUEUED
    run_once(line, sender_for(line.config))
    # Not retried at once: the job waits out its gap in RQ's scheduled registry.
    assert len(fake_twilio.messages) == 1
    assert followups.queue(line).scheduled_job_registry.get_job_ids() == [followups.followup_id("CA1:links")]
    run_followups(line)
    assert [m.form["To"] for m in fake_twilio.messages] == [TEXTER] * 3
    assert record(line)["outcome"] == Delivered.SENT


def test_429s_past_the_retry_window_give_up(line, fake_twilio):
    fake_twilio.script(*[too_many() for _ in range(20)])
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    attempts = len(fake_twilio.messages)
    assert 2 <= attempts <= 4  # the first try, then a retry per gap within 3 seconds
    assert record(line)["outcome"] == Delivered.GAVE_UP
    assert followups.queue(line).failed_job_registry.count == 0


def test_no_connection_is_retried_then_given_up(followup_config):
    closed = Line.start(followup_config.with_(api_base_url="http://127.0.0.1:9"))
    assert ask(closed) == FollowUpOutcome.QUEUED
    run_once(closed, sender_for(closed.config))
    assert followups.queue(closed).scheduled_job_registry.count == 1
    run_followups(closed)
    assert (record(closed)["outcome"], record(closed)["why"]) == (Delivered.GAVE_UP, "ConnectionError")


def test_21610_records_the_opt_out_and_is_not_retried(line, fake_twilio):
    fake_twilio.script(refused(21610, "Attempt to send to unsubscribed recipient"))
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert record(line)["outcome"] == Delivered.OPTED_OUT
    assert line.store.opted_out(line.person(TEXTER))  # the key SMS STOP uses
    assert ask(line, job_id="CA2:links") == FollowUpOutcome.OPTED_OUT
    run_followups(line)
    assert len(fake_twilio.messages) == 1


@pytest.mark.parametrize("code", [21211, 21614, 21408, 21606])
def test_other_4xx_are_recorded_and_not_retried(line, fake_twilio, code):
    fake_twilio.script(refused(code))
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert record(line)["outcome"] == Delivered.REFUSED
    assert record(line)["why"] == f"400/{code}"
    assert not line.store.opted_out(line.person(TEXTER))


def test_5xx_may_have_sent_so_it_is_recorded_uncertain_not_retried(line, fake_twilio):
    fake_twilio.script(server_error())
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert record(line)["outcome"] == Delivered.UNCERTAIN
    # Even run again, the job does not text on a guess.
    delivery.enqueue(followups.queue(line), TEXTER, "x", followup=followups.followup_id("CA1:links"), config=line.config, topic="followup")
    run_followups(line)
    assert len(fake_twilio.messages) == 1


def test_a_slow_answer_may_have_sent_so_it_is_uncertain_not_retried(line, fake_twilio):
    fake_twilio.script(slow(1.5))
    assert ask(line) == FollowUpOutcome.QUEUED
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert (record(line)["outcome"], record(line)["why"]) == (Delivered.UNCERTAIN, "ReadTimeout")


@pytest.mark.parametrize(
    "number",
    [
        "anonymous",
        "",
        "Restricted",
        "+266696687",  # withheld
        "+442079460123",  # landline
        "+449098790123",  # premium
        "+33612345678",
        "+353851234567",
        "+447624123456",  # mobiles outside GB (France, Ireland, Isle of Man)
        "12345",  # no number at all
    ],
)
def test_numbers_that_are_never_texted(line, fake_twilio, number):
    assert ask(line, number) == FollowUpOutcome.NOT_ALLOWED
    run_followups(line)
    assert fake_twilio.messages == []
    assert not line.store.redis.exists(followups.record_key("CA1:links"))


def test_a_number_that_texted_stop_is_never_texted(line, fake_twilio, serve, twilio):
    twilio.sms("STOP")
    assert ask(line) == FollowUpOutcome.OPTED_OUT
    run_followups(line)
    assert fake_twilio.messages == []
    twilio.sms("START")
    assert ask(line, job_id="CA2:links") == FollowUpOutcome.QUEUED


def test_an_opt_out_while_queued_stops_the_text(line, fake_twilio):
    assert ask(line) == FollowUpOutcome.QUEUED
    line.store.redis.set(keys.optout(line.person(TEXTER)), "1")
    run_followups(line)
    assert fake_twilio.messages == []
    assert record(line)["outcome"] == Delivered.OPTED_OUT


def test_allowed_regions_are_configurable(followup_config, fake_twilio):
    line = Line.start(followup_config.with_(allowed_regions=("GB", "IE")))
    assert ask(line, "+353851234567") == FollowUpOutcome.QUEUED
    assert ask(line, "+33612345678", job_id="CA2:links") == FollowUpOutcome.NOT_ALLOWED


def test_the_fourth_text_to_a_number_in_a_day_is_capped(line, fake_twilio):
    assert [ask(line, job_id=f"CA{i}:links") for i in range(4)] == [FollowUpOutcome.QUEUED] * 3 + [FollowUpOutcome.CAPPED]
    assert ask(line, OTHER, job_id="CA9:links") == FollowUpOutcome.QUEUED  # another number has its own allowance
    run_followups(line)
    assert sorted(m.form["To"] for m in fake_twilio.messages) == sorted([TEXTER] * 3 + [OTHER])


def test_the_cap_holds_when_requests_race(line):
    outcomes = []
    barrier = threading.Barrier(12)

    def racer(i):
        barrier.wait()
        outcomes.append(ask(line, job_id=f"CA{i}:links"))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted([FollowUpOutcome.QUEUED] * 3 + [FollowUpOutcome.CAPPED] * 9)


def test_the_line_wide_hourly_ceiling_holds(followup_config, fake_twilio):
    line = Line.start(followup_config.with_(followups_per_hour=2))
    numbers = ["+447400000001", "+447400000002", "+447400000003"]
    assert [ask(line, n, job_id=f"CA{n}") for n in numbers] == [FollowUpOutcome.QUEUED, FollowUpOutcome.QUEUED, FollowUpOutcome.BUSY]
    run_followups(line)
    assert len(fake_twilio.messages) == 2


def test_the_caps_come_from_the_environment():
    from service.config import Config

    config = Config.from_env(
        {
            "SIGNPOST_FOLLOWUPS_PER_NUMBER_PER_DAY": "1",
            "SIGNPOST_FOLLOWUPS_PER_HOUR": "7",
            "SIGNPOST_FOLLOWUP_RETRY_SECONDS": "60",
            "SIGNPOST_FOLLOWUP_SEND_TIMEOUT": "2.5",
        }
    )
    assert (config.followups_per_number_per_day, config.followups_per_hour) == (1, 7)
    assert (config.followup_retry_seconds, config.followup_send_timeout) == (60, 2.5)
    defaults = Config.from_env({})
    assert (defaults.followups_per_number_per_day, defaults.followup_retry_seconds) == (3, 600)


def test_the_per_number_cap_from_config(followup_config):
    line = Line.start(followup_config.with_(followups_per_number_per_day=1))
    assert ask(line, job_id="CA1") == FollowUpOutcome.QUEUED
    assert ask(line, job_id="CA2") == FollowUpOutcome.CAPPED


def test_the_day_is_a_sliding_window(line):
    window = keys.followup_window(line.person(TEXTER))
    now = time.time()
    line.store.redis.zadd(window, {"old1": now - 25 * 3600, "old2": now - 25 * 3600, "old3": now - 25 * 3600})
    assert ask(line, job_id="CA1") == FollowUpOutcome.QUEUED  # texts from over 24 hours ago no longer count
    line.store.redis.zadd(window, {"recent1": now - 23 * 3600, "recent2": now - 23 * 3600})
    assert ask(line, job_id="CA2") == FollowUpOutcome.CAPPED  # these still do


def test_a_job_sealed_under_another_secret_key_is_not_sent(line, fake_twilio, followup_config):
    assert ask(line) == FollowUpOutcome.QUEUED
    rotated = Line.start(followup_config.with_(secret_key="a-new-secret-key"))
    run_followups(rotated)
    assert fake_twilio.messages == []
    assert (record(line)["outcome"], record(line)["why"]) == (Delivered.REFUSED, "unreadable")


def test_a_request_that_cannot_be_queued_gives_its_claim_back(line, fake_twilio):
    # Something holding the job's key with the wrong type makes RQ's enqueue fail.
    line.store.redis.set(f"rq:job:{followups.followup_id('CA1:links')}", "in the way")
    with pytest.raises(Exception):
        ask(line)
    line.store.redis.delete(f"rq:job:{followups.followup_id('CA1:links')}")
    assert ask(line) == FollowUpOutcome.QUEUED  # the retried webhook is not a FollowUpOutcome.DUPLICATE of nothing
    run_followups(line)
    assert len(fake_twilio.messages) == 1


def test_a_text_asked_for_on_a_partnerships_own_line_comes_from_that_line(followup_config, fake_twilio):
    from pathlib import Path

    second_line = "+442079460999"
    pack_dir = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"
    line = Line.start(followup_config.with_(packs={second_line: str(pack_dir)}))
    second = line.pack_for(second_line)
    assert second.id != line.pack.id
    assert (
        followups.request(line, FollowUp("local", TEXTER), job_id="CA9:1", pack=second, called="+44 20 7946 0999") == FollowUpOutcome.QUEUED
    )
    assert (
        followups.request(line, FollowUp("followup", "+447400765432"), job_id="CA10:1", called="+441234567890") == FollowUpOutcome.QUEUED
    )  # the default line: the configured sender
    run_followups(line)
    sent = {m.form["To"]: m.form for m in fake_twilio.messages}
    assert sent[TEXTER]["From"] == second_line and sent[TEXTER]["Body"] == second.sms_page("local", dt.datetime.now(dt.timezone.utc))
    assert sent["+447400765432"]["From"] == SENDER


def test_a_follow_up_whose_job_a_failover_lost_is_queued_again_and_sent_once(line, fake_twilio):
    """The record said queued but RQ's job was gone (written to a primary that died before a
    replica had it): the sweep queues it again from the record, and it is sent once."""
    assert ask(line) == FollowUpOutcome.QUEUED
    assert record(line)["sealed"] and TEXTER not in record(line)["sealed"]  # sealed, as in the job
    Job.fetch(followups.followup_id("CA1:links"), connection=line.store.redis).delete()
    assert sweep(line) == 0  # too young: its enqueue could still be on its way
    later = time.time() + GRACE + 1
    assert sweep(line, now=later) == 1
    assert sweep(line, now=later) == 0  # its job exists again
    run_followups(line)
    assert [m.form["To"] for m in fake_twilio.messages] == [TEXTER]
    assert sweep(line, now=later) == 0
    run_followups(line)
    assert len(fake_twilio.messages) == 1
    assert record(line)["outcome"] == Delivered.SENT
    assert "sealed" not in record(line)  # the number goes with a final outcome
    assert not line.store.redis.zcard(keys.FOLLOWUPS_WAITING)


def test_a_follow_up_a_dying_worker_popped_before_starting_it_is_queued_again(line, fake_twilio):
    """Popped from the queue, then the worker died (Redis refusing its writes): the job is
    there, in no queue and not started, and nobody would send it."""
    assert ask(line) == FollowUpOutcome.QUEUED
    redis, job = line.store.redis, followups.followup_id("CA1:links")
    assert redis.lrem(followups.queue(line).key, 0, job) == 1  # as a worker's pop
    assert redis.exists(Job.key_for(job))
    assert sweep(line, now=time.time() + GRACE + 1) == 1
    run_followups(line)
    assert [m.form["To"] for m in fake_twilio.messages] == [TEXTER]


def test_the_sweep_never_requeues_a_claimed_follow_up_and_gives_up_after_a_day(line, fake_twilio):
    assert ask(line) == FollowUpOutcome.QUEUED
    assert ask(line, job_id="CA2:links", number=OTHER) == FollowUpOutcome.QUEUED
    redis = line.store.redis
    for job_id in ("CA1:links", "CA2:links"):
        Job.fetch(followups.followup_id(job_id), connection=redis).delete()
    # A worker claimed the first and then died: it may have been sent, so it is never sent again.
    redis.hset(followups.record_key("CA1:links"), "sending", "1")
    assert sweep(line, now=time.time() + GRACE + 1) == 1  # the second only
    assert sweep(line, now=time.time() + keys.JOB_TTL + GRACE) == 0
    run_followups(line)
    assert [m.form["To"] for m in fake_twilio.messages] == [OTHER]
    # Past a day the first is given up, and its sealed number dropped, as the job would have expired.
    assert (record(line)["outcome"], "sealed" in record(line)) == (Delivered.GAVE_UP, False)


def test_one_worker_sweeps_per_interval(line):
    assert ask(line) == FollowUpOutcome.QUEUED
    Job.fetch(followups.followup_id("CA1:links"), connection=line.store.redis).delete()
    line.store.redis.zadd(keys.FOLLOWUPS_WAITING, {followups.followup_id("CA1:links"): 0})
    assert sweep(line, interval=60) == 1
    line.store.redis.delete(f"rq:job:{followups.followup_id('CA1:links')}")
    assert sweep(line, interval=60) == 0  # another worker's turn has not come
