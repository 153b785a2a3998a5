"""Configuration that would make the line unsafe stops it from starting, with a reason."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import Config, ConfigError

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "TWILIO_AUTH_TOKEN": "token",
    "SIGNPOST_SECRET_KEY": "a-production-secret-key-0123456789abcdef",
    "PUBLIC_BASE_URL": "https://line.example.org/",
}


def test_a_production_environment_is_read():
    config = Config.from_env(PRODUCTION)
    assert config.checks_signatures and config.public_base_url == "https://line.example.org"


@pytest.mark.parametrize("missing, named", [("SIGNPOST_SECRET_KEY", "SIGNPOST_SECRET_KEY"), ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL")])
def test_a_token_without_what_makes_it_safe_is_refused(missing, named):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=named):
        Config.from_env(env)


def test_without_a_token_local_defaults_are_enough():
    assert not Config.from_env({}).checks_signatures


@pytest.mark.parametrize("name", ["SIGNPOST_SMS_REPLIES_PER_HOUR", "SIGNPOST_FOLLOWUP_SEND_TIMEOUT"])
def test_a_number_that_is_not_a_number_is_named(name):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: "thirty"})


@pytest.mark.parametrize(
    "env, named",
    [
        ({"SIGNPOST_ALLOWED_REGIONS": "UK"}, "SIGNPOST_ALLOWED_REGIONS: UK is not a region code .the United Kingdom is GB"),
        ({"SIGNPOST_FOLLOWUPS_PER_HOUR": "0"}, "SIGNPOST_FOLLOWUPS_PER_HOUR must be more than 0"),
        ({"SIGNPOST_SMS_REPLIES_PER_HOUR": "-1"}, "SIGNPOST_SMS_REPLIES_PER_HOUR must be more than 0"),
        ({"SIGNPOST_FOLLOWUP_SWEEP_SECONDS": "0"}, "SIGNPOST_FOLLOWUP_SWEEP_SECONDS"),
        ({"REDIS_SENTINELS": "10.0.0.1:26379"}, "REDIS_SENTINEL_MASTER must be set"),
        ({"REDIS_SENTINEL_MASTER": "signpost"}, "REDIS_SENTINELS must be set"),
        ({"REDIS_SENTINELS": "10.0.0.1", "REDIS_SENTINEL_MASTER": "signpost"}, "REDIS_SENTINELS: '10.0.0.1' is not HOST:PORT"),
        ({"REDIS_URL": "http://redis.example.org"}, "REDIS_URL must be"),
    ],
)
def test_settings_that_make_no_sense_stop_start_up_naming_the_setting(env, named):
    with pytest.raises(ConfigError, match=named):
        Config.from_env(env)


def test_sentinels_and_regions_are_read():
    config = Config.from_env(
        {
            "REDIS_SENTINELS": "10.0.0.1:26379, [::1]:26380",
            "REDIS_SENTINEL_MASTER": "signpost",
            "REDIS_SENTINEL_PASSWORD": "s",
            "REDIS_PASSWORD": "p",
            "SIGNPOST_ALLOWED_REGIONS": "gb,ie",
        }
    )
    assert config.redis_sentinels == (("10.0.0.1", 26379), ("::1", 26380)) and config.uses_sentinel
    assert (config.redis_sentinel_master, config.redis_sentinel_password, config.redis_password) == ("signpost", "s", "p")
    assert config.allowed_regions == ("GB", "IE")


def test_the_web_worker_and_cli_refuse_a_wrong_region_at_start_up():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_"))}
    env["SIGNPOST_ALLOWED_REGIONS"] = "UK"
    for command in (["worker", "--burst"], ["stats"], ["serve", "--port", "0"]):
        run = subprocess.run(
            [sys.executable, "-m", "service.cli", *command], env=env, capture_output=True, text=True, timeout=60, cwd=PROJECT
        )
        assert run.returncode == 2, (command, run.stderr)
        assert "SIGNPOST_ALLOWED_REGIONS: UK" in run.stderr, (command, run.stderr)
