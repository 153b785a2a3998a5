"""Slow clients cannot starve the web process: 100 connections sending their headers
a line every few seconds, and a genuine signed webhook is still answered within a
second. The Procfile's web line, on loopback, with a token; the slow clients are
bounded in number and time and closed at the end."""

import socket
import time

from tests.load.slow_clients import genuine_webhook, slow_clients

SLOW_CLIENTS = 100


def test_a_genuine_webhook_is_answered_within_a_second_while_100_slow_clients_hold_on(web):
    genuine_webhook(web, 0)  # the worker is warm
    with slow_clients(web, SLOW_CLIENTS, gap=3.0, seconds=20.0) as held:
        took = [genuine_webhook(web, n) for n in range(1, 6)]
        assert len(held) == SLOW_CLIENTS  # they were all still there, holding on
    assert max(took) < 1.0, took


def test_a_client_that_never_finishes_its_headers_is_cut_off(web):
    with socket.create_connection(("127.0.0.1", web), timeout=1) as slow:
        slow.sendall(b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started, closed = time.monotonic(), False
        while not closed and time.monotonic() - started < 15:
            try:
                slow.sendall(b"X-Slow: a\r\n")
                closed = slow.recv(1024) == b""
            except socket.timeout:
                continue  # still open: nothing to read yet
            except OSError:
                closed = True  # reset by the server
        assert closed, "the server kept a client that never finished its headers"
        assert time.monotonic() - started < 10  # keepalive (5 s) and the trickle's second
