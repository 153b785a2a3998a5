"""Shared fixtures: a real Redis, the app over real HTTP, and Twilio-signed requests.

Redis: ``REDIS_URL`` when set (its database is flushed between tests, so point it
at a database of its own), otherwise a redis-server the tests start and own.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pytest
import redis
from hypothesis import settings

from service.web.app import create_app
from service.config import Config
from service.state.embedded_redis import EmbeddedRedis
from tests.fake_twilio import FakeTwilioAPI
from tests.support import AUTH_TOKEN, SECRET_KEY, LiveServer, Twilio

# No per-example deadline: "any input" tests say what the line does, and how fast it does
# it is tests/load's to measure. A deadline of 200 ms only measured how busy the machine
# was (one example took 245 ms while the whole suite ran on a busy machine).
settings.register_profile("signpost", deadline=None)
settings.load_profile("signpost")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """The Redis the tests use; ``.embedded`` is None when REDIS_URL was given."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield RedisServer(url, None)
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False)
    server.start()
    yield RedisServer(server.url, server)
    server.stop()


@dataclass
class RedisServer:
    url: str
    embedded: EmbeddedRedis | None


@pytest.fixture
def redis_client(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def config(redis_client, redis_server, tmp_path) -> Config:
    # Each test its own state folder: the local caps and the journal live there.
    return Config(redis_url=redis_server.url, auth_token=AUTH_TOKEN, secret_key=SECRET_KEY, state_dir=str(tmp_path / "state"))


@pytest.fixture
def serve():
    """serve(config) -> a LiveServer; all are stopped after the test."""
    servers = []

    def start(config: Config) -> LiveServer:
        server = LiveServer(create_app(config))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live(serve, config) -> LiveServer:
    return serve(config)


@pytest.fixture
def twilio(live) -> Twilio:
    return Twilio(live.url)


@pytest.fixture
def captured_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def fake_twilio():
    """Twilio's REST API, faked at the network edge (see tests/fake_twilio.py)."""
    api = FakeTwilioAPI()
    yield api
    api.stop()
