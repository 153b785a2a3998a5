"""`signpost worker`: the Procfile's worker line, run as an operator would run it."""

import os
import subprocess
import sys
from pathlib import Path

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups
from service.cli import build_parser
from service.line import Line
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
    result = subprocess.run([sys.executable, "-m", "service.cli", "worker", "--burst"], cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "+44 7*** ***456" in result.stdout
    assert "If a child is in immediate danger, call 999." in result.stdout
    assert "no Twilio credentials" in result.stderr
    for form in [TEXTER, TEXTER[1:], "0" + TEXTER[3:]]:
        assert form not in result.stdout + result.stderr
    assert line.store.redis.hget(followups.record_key("CA1:links"), "outcome") == b"sent"
