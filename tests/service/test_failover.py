"""Redis failing over, on real redis-server processes: nothing is lost and the line says so.

Sentinel: a primary, a replica and three Sentinels, the primary killed with SIGKILL under
STOP texts and calls asking for a text (``tests/load/failover_trial.py`` does it and
counts). A fixed REDIS_URL whose node is demoted by hand: the line leaves it and
/healthz says degraded rather than ok on a PING. A journalled opt-out change replayed
late: applied only if newer than the person's last change.
"""

from __future__ import annotations

import time

import pytest
import redis
import requests

from flows.render import EMERGENCY_SMS_ANYONE
from service.config import Config
from service.state import connection, keys
from service.state.connection import DemotedPrimary
from service.state.embedded_redis import EmbeddedRedis
from service.state.pseudonyms import number_id
from tests.load.failover_trial import Trial
from tests.support import SECRET_KEY, TEXTER, Twilio, message_text

HEALTHZ_WITHIN = 30.0


def test_a_primary_killed_under_stops_and_follow_ups_loses_nothing(tmp_path):
    trial = Trial(tmp_path, replicas=1, web_workers=1).start()
    try:
        figures = trial.run(before=2.5, after_ok=2.5, longest=HEALTHZ_WITHIN)
    finally:
        trial.stop()
    report = figures.report(trial.promised_numbers) + "\n" + trial.logs()
    assert figures.webhooks > 100, report
    assert figures.answered == figures.with_999_first == figures.webhooks, report
    assert figures.stops > 50 and figures.optouts_lost == figures.journalled == 0, report
    assert figures.promised_before_kill and figures.promised_after_kill, report
    assert figures.promised_not_sent(trial.promised_numbers) == 0 and figures.sent_twice == 0, report
    assert figures.healthz_ok_after is not None and figures.healthz_ok_after < HEALTHZ_WITHIN, report


@pytest.fixture
def two_nodes(tmp_path):
    """Two Redis servers of this test's own: the line's node, and the one it is handed over to."""
    nodes = [EmbeddedRedis(tmp_path / name, persist=False) for name in ("a", "b")]
    for node in nodes:
        node.start()
    yield nodes
    for node in nodes:
        node.stop()


def test_a_node_demoted_by_hand_is_left_and_healthz_is_not_fooled_by_ping(two_nodes, serve, config, tmp_path):
    a, b = two_nodes
    config = config.with_(redis_url=a.url, state_dir=str(tmp_path / "state"))
    live = serve(config)
    twilio = Twilio(live.url)
    assert requests.get(live.url + "/healthz", timeout=5).json()["status"] == "ok"
    message_text(twilio.sms("hi"))  # the pool holds a connection to a

    redis.Redis.from_url(a.url).replicaof("127.0.0.1", b.port)  # a is a replica now; PING still answers
    health = requests.get(live.url + "/healthz", timeout=5).json()
    assert (health["status"], health["redis"]) == ("degraded", "replica")
    stop = twilio.sms("STOP")
    assert message_text(stop).splitlines()[0] == EMERGENCY_SMS_ANYONE  # STOP is answered for anyone
    assert (tmp_path / "state" / "optout-journal.log").exists()  # READONLY: journalled, not lost

    redis.Redis.from_url(a.url).replicaof("NO", "ONE")  # the node is a primary again
    assert requests.get(live.url + "/healthz", timeout=5).json()["status"] == "ok"
    message_text(twilio.sms("hi"))  # the next text replays the journal
    assert redis.Redis.from_url(a.url).exists(keys.optout(number_id(TEXTER, SECRET_KEY.encode())))


def test_on_readonly_the_pool_drops_its_connections(two_nodes):
    a, b = two_nodes
    client = connection.client(Config(redis_url=a.url), timeout=1)
    pool = client.connection_pool
    held = [pool.get_connection() for _ in range(3)]
    for each in held:
        pool.release(each)
    assert all(each._sock is not None for each in held)
    redis.Redis.from_url(a.url).replicaof("127.0.0.1", b.port)
    with pytest.raises(DemotedPrimary):
        client.set("k", "v")
    assert all(each._sock is None for each in held)  # none left talking to the replica
    redis.Redis.from_url(a.url).replicaof("NO", "ONE")
    assert client.set("k", "v")


def test_a_journalled_start_replayed_after_a_later_stop_does_not_undo_it(serve, config, tmp_path, redis_client):
    live = serve(config.with_(state_dir=str(tmp_path / "state")))
    line = live.app.extensions["signpost"]
    twilio = Twilio(live.url)
    person = number_id(TEXTER, SECRET_KEY.encode())
    # Another web process could not reach Redis and journalled this person's START...
    started = time.time()
    message_text(twilio.sms("STOP"))  # ...then their STOP reached Redis through this one.
    line.journal.record(person, "opt_in", at=started)
    line.redis_failed()  # look for the journal on the next text
    message_text(twilio.sms("hi", sender="+447400765432"))
    assert redis_client.exists(keys.optout(person)), "the older START undid the later STOP"
    assert not line.journal.pending()
    # A START newer than the STOP is applied.
    line.journal.record(person, "opt_in")
    line.redis_failed()
    message_text(twilio.sms("hi", sender="+447400765432"))
    assert not redis_client.exists(keys.optout(person))
    assert redis_client.exists(keys.optin(person))
