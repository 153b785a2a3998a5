"""The ``signpost`` command behaves the same from a checkout and from anywhere else: it
finds the Redis ``make run`` started (and says which Redis it used), ``twilio doctor``
names every missing setting at once and turns an unreachable Twilio into one line with
an exit code of its own, and ``check`` measures understanding from an installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from messages import EVALUATION_SET
from service.cli import LOCAL_REDIS_FILE

SIGNPOST = Path(sys.executable).parent / "signpost"
# Settings the tests' own environment may carry, left out so each case says what it has.
UNSET = (
    "REDIS_URL",
    "REDIS_SENTINELS",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "PUBLIC_BASE_URL",
    "SIGNPOST_STATE_DIR",
    "TWILIO_API_BASE_URL",
)


def signpost(*args, cwd: Path, env: dict | None = None, stdin: str = ""):
    base = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [str(SIGNPOST), *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env={**base, **(env or {})}
    )


def test_without_redis_url_the_cli_uses_the_redis_make_run_started_and_says_so(tmp_path, redis_server, redis_client):
    state = tmp_path / ".signpost"
    state.mkdir()
    (state / LOCAL_REDIS_FILE).write_text(redis_server.url + "\n")
    added = signpost("users", "add", "dana", cwd=tmp_path, stdin="correct horse battery staple\n")
    assert added.returncode == 0, added.stderr
    assert f"using the Redis that signpost serve (make run) started, {redis_server.url}" in added.stderr
    # The account is in that Redis, not in one at the default address.
    listed = signpost("users", "list", cwd=tmp_path)
    assert "dana" in listed.stdout
    assert redis_client.dbsize() > 0


def test_without_redis_url_or_a_started_redis_the_cli_names_the_default(tmp_path):
    result = signpost("stats", "--days", "1", cwd=tmp_path)
    assert "no REDIS_URL, and no Redis started by signpost serve" in result.stderr
    assert "redis://127.0.0.1:6379/0" in result.stderr


def test_doctor_names_every_missing_setting_at_once(tmp_path):
    result = signpost("twilio", "doctor", cwd=tmp_path)
    assert result.returncode == 2
    assert "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL, SIGNPOST_SECRET_KEY must be set" in result.stderr


def test_doctor_without_a_network_says_so_in_one_line_with_its_own_exit_code(tmp_path):
    env = {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "SIGNPOST_SECRET_KEY": "a-secret-key-of-at-least-32-characters!",
        "PUBLIC_BASE_URL": "https://line.example",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }  # nothing listens on the discard port
    result = signpost("twilio", "doctor", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "could not reach Twilio's API" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_evaluation_set_ships_with_the_packs():
    # So that check, run from an installed copy with no tests/ folder, still measures understanding.
    assert EVALUATION_SET.is_file() and EVALUATION_SET.parent.name == "messages"
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert "**/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["messages"]
