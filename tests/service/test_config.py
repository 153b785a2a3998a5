"""Configuration that would make the line unsafe stops it from starting, with a reason."""

import pytest

from service.config import Config, ConfigError

PRODUCTION = {"TWILIO_AUTH_TOKEN": "token", "SIGNPOST_SECRET_KEY": "a-production-secret-key-0123456789abcdef",
              "PUBLIC_BASE_URL": "https://line.example.org/"}


def test_a_production_environment_is_read():
    config = Config.from_env(PRODUCTION)
    assert config.checks_signatures and config.public_base_url == "https://line.example.org"


@pytest.mark.parametrize("missing, named", [("SIGNPOST_SECRET_KEY", "SIGNPOST_SECRET_KEY"),
                                            ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL")])
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
