"""Slow clients cannot starve the web process: 100 connections sending their headers
a line every few seconds, and a genuine signed webhook is still answered within a
second. The Procfile's web line, on loopback, with a token; the slow clients are
bounded in number and time and closed at the end."""

import pytest

from service.state.embedded_redis import EmbeddedRedis
from tests.load.slow_clients import genuine_webhook, procfile_web, slow_clients, web_server

SLOW_CLIENTS = 100


@pytest.fixture
def web(tmp_path):
    redis_server = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis_server.start()
    try:
        with web_server(procfile_web(), redis_server.url, str(tmp_path / "state")) as port:
            yield port
    finally:
        redis_server.stop()


def test_a_genuine_webhook_is_answered_within_a_second_while_100_slow_clients_hold_on(web):
    genuine_webhook(web, 0)  # the worker is warm
    with slow_clients(web, SLOW_CLIENTS, gap=3.0, seconds=20.0) as held:
        took = [genuine_webhook(web, n) for n in range(1, 6)]
        assert len(held) == SLOW_CLIENTS  # they were all still there, holding on
    assert max(took) < 1.0, took
