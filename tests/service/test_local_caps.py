"""The caps a machine keeps while Redis refuses writes or is away are the machine's, not
each worker's: a number's texts spread over the workers, a worker that never saw what
Redis counted, and the first text after the refusal ends, on any worker, all count the
same hour. Workers are separate processes here, as gunicorn's are."""

import multiprocessing
import sqlite3

import pytest

from service.state import keys
from service.state.local_caps import Decision, LocalCaps
from tests.support import Twilio

from .test_line_ceilings import MOBILES, replied


def _decide_many(path: str, people: list[str], per_number: int, line_share: int, results) -> None:
    caps = LocalCaps(path, per_number=per_number, line_share=line_share)
    for person in people:
        results.put(caps.decide(person, abroad=False, page=True, confirms_opt_change=False).value)


def _decided_in_processes(path: str, each: list[list[str]], per_number: int, line_share: int) -> list[str]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_decide_many, args=(path, people, per_number, line_share, results)) for people in each]
    for worker in workers:
        worker.start()
    decided = [results.get(timeout=30) for _ in range(sum(map(len, each)))]
    for worker in workers:
        worker.join(timeout=30)
    return decided


def test_four_workers_texted_by_one_number_send_it_its_allowance_once(tmp_path):
    decided = _decided_in_processes(str(tmp_path / "caps"), [["a"] * 25] * 4, per_number=30, line_share=1000)
    assert decided.count(Decision.ANSWER.value) == 30
    assert decided.count(Decision.SILENT.value) == 70


def test_four_workers_texted_by_new_numbers_send_the_lines_share_once(tmp_path):
    each = [[f"{worker}-{n}" for n in range(40)] for worker in range(4)]
    decided = _decided_in_processes(str(tmp_path / "caps"), each, per_number=30, line_share=50)
    # The ceiling's 50 pages, then each new texter is told once that it is busy, to twice it.
    assert decided.count(Decision.ANSWER.value) == 50
    assert decided.count(Decision.BUSY.value) == 50
    assert decided.count(Decision.SILENT.value) == 60


def test_what_one_worker_heard_from_redis_holds_for_another(tmp_path):
    path = tmp_path / "caps"
    heard, other = LocalCaps(path, per_number=30, line_share=500), LocalCaps(path, per_number=30, line_share=500)
    heard.redis_counted("a", texter=29, line=499)

    def decide(person: str) -> Decision:
        return other.decide(person, abroad=False, page=True, confirms_opt_change=False)

    assert [decide("a"), decide("a")] == [Decision.ANSWER, Decision.SILENT]  # the 30th, then none
    assert decide("b") == Decision.BUSY  # the line's 500th went to "a"


def test_a_reply_in_the_instant_a_count_is_taken_counts_too(tmp_path):
    """Redis had counted 2 of a number's 3: one more, not two (the first decision seeds
    the count and sends in the same instant)."""
    caps = LocalCaps(tmp_path / "caps", per_number=3, line_share=100, clock=lambda: 1000.0)

    def decide() -> Decision:
        return caps.decide("a", abroad=False, page=True, confirms_opt_change=False, sent_before=2)

    assert [decide(), decide()] == [Decision.ANSWER, Decision.SILENT]


def test_what_redis_counted_is_forgotten_after_the_hour_while_redis_stays_healthy(tmp_path):
    clock = [1000.0]
    caps = LocalCaps(tmp_path / "caps", per_number=3, line_share=100, clock=lambda: clock[0])
    for n in range(5):
        caps.redis_counted(f"texter-{n}", texter=1, line=n + 1)
    clock[0] += 3700  # an hour on, Redis answering all along: no decision was ever made here
    caps.redis_counted("later", texter=1, line=1)
    with sqlite3.connect(tmp_path / "caps") as db:
        kept = {person for (person,) in db.execute("SELECT person FROM counted")}
    assert kept == {"", "later"}  # the line's count and the last texter's; no pseudonym past its hour


def test_the_file_is_for_its_owner_alone(tmp_path):
    caps = LocalCaps(tmp_path / "caps", per_number=3, line_share=10)
    caps.decide("a", abroad=False, page=True, confirms_opt_change=False)
    assert (tmp_path / "caps").stat().st_mode & 0o077 == 0


class TestAfterARefusal:
    @pytest.fixture
    def workers(self, serve, config):
        """Two web workers of one machine: two apps, one state folder."""
        config = config.with_(sms_replies_per_hour=3, sms_replies_line_per_hour=20)
        return serve(config), serve(config)

    def test_the_first_text_on_any_worker_counts_what_another_sent_before_it_is_answered(self, workers, redis_client):
        first, second = (Twilio(worker.url) for worker in workers)
        redis_client.config_set("maxmemory", "1")
        try:
            assert [replied(first.sms("hi")) for _ in range(4)] == [True, True, True, False]
        finally:
            redis_client.config_set("maxmemory", "0")
        # Redis takes writes again; the texter's next text reaches the other worker, which
        # has never answered them: their 3 are in Redis before it decides.
        assert not replied(second.sms("hi"))
        assert redis_client.zcard(keys.LINE_REPLIES) == 3

    def test_while_one_worker_is_counting_the_backlog_another_answers_by_the_local_caps(self, workers, redis_client):
        first, second = workers
        texter = Twilio(first.url)
        redis_client.config_set("maxmemory", "1")
        try:
            assert [replied(texter.sms("hi")) for _ in range(4)] == [True, True, True, False]
        finally:
            redis_client.config_set("maxmemory", "0")
        # The first worker has taken the backlog to count it, and Redis does not have it yet.
        counting = first.app.extensions["signpost"].local_caps
        taken = counting.take_unrecorded()
        assert len(taken) == 3 and not redis_client.exists(keys.LINE_REPLIES)
        # A text meanwhile, to the other worker: not answered from Redis's count of nought.
        assert not replied(Twilio(second.url).sms("hi"))
        # Once the count is in, Redis answers again, and holds all three.
        first.app.extensions["signpost"].store.count_sent([(f"local:{rowid}", key, at) for rowid, key, at in taken])
        counting.counted(taken)
        assert not replied(Twilio(second.url).sms("hi"))
        assert redis_client.zcard(keys.LINE_REPLIES) == 3

    def test_a_flood_during_a_refusal_costs_a_round_trip_a_text_not_the_whole_backlog(self, workers, redis_client):
        twilio = Twilio(workers[0].url)
        redis_client.config_set("maxmemory", "1")
        try:
            # The line's 20 pages and 20 busy notices: a backlog of 40 for Redis to count.
            assert sum(replied(twilio.sms("hi", sender=f"+4474005{n:05d}")) for n in range(40)) == 40
            before = _rejected_writes(redis_client)
            for n in range(30):
                twilio.sms("hi", sender=MOBILES[n % len(MOBILES)])
            rejected = _rejected_writes(redis_client) - before
        finally:
            redis_client.config_set("maxmemory", "0")
        # At each text, the oldest alone is offered (in the texter's window and the line's),
        # then the answer script: not 80 writes a text.
        assert rejected <= 30 * 3, rejected


def _rejected_writes(client) -> int:
    stats = client.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("rejected_calls", 0) for name in ("zadd", "evalsha", "eval"))


def test_a_state_folder_that_cannot_be_written_never_costs_twilio_an_error(serve, config, tmp_path, redis_client):
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    twilio = Twilio(serve(config.with_(state_dir=str(blocked / "state"))).url)
    assert replied(twilio.sms("hi"))
    assert redis_client.zcard(keys.LINE_REPLIES) == 1  # answered as ever, by Redis's count, not an error page
    redis_client.config_set("maxmemory", "1")
    try:
        # Nothing can count for the line: silence, the closed side, and a 200 all the same.
        assert not replied(twilio.sms("hi", sender=MOBILES[1]))
    finally:
        redis_client.config_set("maxmemory", "0")
    assert replied(twilio.sms("hello", sender=MOBILES[2]))


def test_an_opt_out_that_no_disk_can_keep_gets_no_reply_past_the_caps(serve, config, tmp_path, redis_client):
    """Redis refusing writes and the state folder unwritable: a STOP cannot be journalled,
    and must not turn into the error page's menu, which no cap holds."""
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    twilio = Twilio(serve(config.with_(state_dir=str(blocked / "state"))).url)
    redis_client.config_set("maxmemory", "1")
    try:
        answers = [twilio.sms(word, sender=MOBILES[n % 3]) for n, word in enumerate(["STOP", "stop texting me", "STOP"] * 5)]
    finally:
        redis_client.config_set("maxmemory", "0")
    assert not any(replied(answer) for answer in answers)
