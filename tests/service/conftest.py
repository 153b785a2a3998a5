"""Fixtures for the service tests that need the real web process, not the app in a thread."""

import pytest

from service.state.embedded_redis import EmbeddedRedis
from tests.load.slow_clients import procfile_web, web_server


@pytest.fixture
def web(tmp_path):
    """The Procfile's web line on loopback with a token, on a Redis of its own: its port."""
    redis_server = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis_server.start()
    try:
        with web_server(procfile_web(), redis_server.url, str(tmp_path / "state")) as port:
            yield port
    finally:
        redis_server.stop()
