"""A client that sends requests back to back on one kept-alive connection (pipelined, or
through a proxy forwarding a flood) cannot hold a web worker to itself. Answering an
unsigned request needs no I/O that would make a gevent worker switch, so without a turn
given at each request the worker served that connection alone: no other connection was
accepted, its heartbeat stopped, and gunicorn killed it. The Procfile's web line with
one worker, on loopback, on a Redis of its own."""

import socket
import threading
import time

import pytest

from tests.load.slow_clients import genuine_webhook

UNSIGNED = b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nBody=STOP"
FLOOD = 30_000


@pytest.fixture
def one_worker(monkeypatch, request):
    """The ``web`` fixture's process, with one worker: the environment is set before it starts."""
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    return request.getfixturevalue("web")


def test_a_pipelined_flood_on_one_connection_does_not_hold_up_a_webhook_on_another(one_worker):
    genuine_webhook(one_worker, 0)  # the worker is warm
    answered = []
    with socket.create_connection(("127.0.0.1", one_worker), timeout=30) as flood:

        def read_answers():
            seen = 0
            try:
                while seen < FLOOD:
                    chunk = flood.recv(65536)
                    if not chunk:
                        break
                    seen += chunk.count(b"HTTP/1.1 ")
                    answered.append(seen)
            except OSError:
                pass

        reader = threading.Thread(target=read_answers, daemon=True)
        reader.start()
        writer = threading.Thread(target=lambda: flood.sendall(UNSIGNED * FLOOD), daemon=True)
        writer.start()
        started = time.monotonic()
        while (not answered or answered[-1] < 500) and time.monotonic() - started < 20:
            time.sleep(0.01)
        assert answered and answered[-1] >= 500, "the flood was not being answered"
        took = genuine_webhook(one_worker, 1)
        during = answered[-1]
        flood.shutdown(socket.SHUT_RDWR)  # enough: the rest of the flood is not needed
        reader.join(timeout=10)
    assert during < FLOOD, "the flood had ended before the webhook was answered"
    assert took < 1.0, took
