"""`signpost worker`: the Procfile's worker line, run as an operator would run it."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups, delivery
from service.cli.worker import followup_worker
from service.twilio.sender import ConsoleSender
from service.cli import build_parser
from service.line import Line
from service.state.embedded_redis import EmbeddedRedis
from tests.support import TEXTER

PROJECT = Path(__file__).resolve().parents[2]


def test_the_procfile_runs_web_and_worker():
    lines = dict(line.split(":", 1) for line in (PROJECT / "Procfile").read_text().splitlines() if line.strip())
    assert lines["worker"].strip() == "signpost worker"
    assert build_parser().parse_args(["worker"]).command == "worker"


def test_signpost_worker_without_twilio_prints_the_text_masked(config, redis_server):
    line = Line.start(config.with_(auth_token="", secret_key=""))
    assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == FollowUpOutcome.QUEUED
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_"))}
    env["REDIS_URL"] = redis_server.url
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "worker", "--burst"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "+44 7*** ***456" in result.stdout
    assert "If a child is in immediate danger, call 999." in result.stdout
    assert "no Twilio credentials" in result.stderr
    for form in [TEXTER, TEXTER[1:], "0" + TEXTER[3:]]:
        assert form not in result.stdout + result.stderr
    assert line.store.redis.hget(followups.record_key("CA1:links"), "outcome") == b"sent"


def test_a_worker_stops_listening_for_commands_at_once(config, redis_server):
    """RQ's command listener waits 60 s a read, and stopping it waits for that read. On a
    busy machine the listener can take the "unsubscribed" reply and start its next wait
    before the stop comes: a burst run or a deploy's stop then hung for a minute. Here
    that unlucky order is made certain; the stop must still be prompt."""
    line = Line.start(config)
    worker = followup_worker(delivery.Outbox(line, ConsoleSender()))
    took = []
    for _ in range(3):
        worker.subscribe()
        time.sleep(0.1)
        worker.pubsub.unsubscribe()
        time.sleep(0.2)  # the listener has the reply and waits again
        started = time.monotonic()
        worker.unsubscribe()
        took.append(time.monotonic() - started)
    assert max(took) < 5, took


def test_a_worker_outlives_a_redis_that_refuses_writes_and_then_sends(config, tmp_path):
    """A full Redis (maxmemory, noeviction) made RQ's heartbeat raise out of the worker,
    which exited: every queued follow-up waited for a person to notice."""
    own = EmbeddedRedis(tmp_path, persist=False)
    own.start()
    try:
        line = Line.start(config.with_(redis_url=own.url, auth_token="", secret_key=""))
        assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA2:links") == FollowUpOutcome.QUEUED
        admin = redis.Redis.from_url(own.url)
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)  # every write refused from now on
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_"))}
        env["REDIS_URL"] = own.url
        worker = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            time.sleep(4)
            assert worker.poll() is None, worker.communicate()[1][-2000:]
            admin.config_set("maxmemory", 0)
            deadline = time.monotonic() + 30
            while admin.hget(followups.record_key("CA2:links"), "outcome") != b"sent":
                assert time.monotonic() < deadline, "the follow-up was never sent"
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.communicate(timeout=30)
    finally:
        own.stop()


def test_a_worker_started_while_redis_has_no_primary_waits_for_one(tmp_path):
    """During a failover there may be no Redis to name the worker's connection on as it
    starts: it must wait and try again, not exit and leave every follow-up unsent."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_"))}
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(4)
        assert worker.poll() is None, worker.communicate()[1][-2000:]
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=30)
    assert "starting again" in err, err[-2000:]
