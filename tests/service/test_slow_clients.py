"""Slow clients cannot starve the web process: 100 connections sending their headers
a line every few seconds, or their body a byte at a time, and a genuine signed webhook
is still answered; each slow client is cut off. The Procfile's web line, on loopback,
with a token; the slow clients are bounded in number and time and closed at the end.
How fast the genuine webhook is answered is tests/load/slow_clients.py's to say."""

import socket
import time

from tests.load.slow_clients import genuine_webhook, slow_clients

SLOW_CLIENTS = 100


def test_a_genuine_webhook_is_answered_within_a_second_while_100_slow_clients_hold_on(web):
    genuine_webhook(web, 0)  # the worker is warm
    with slow_clients(web, SLOW_CLIENTS, gap=3.0, seconds=20.0) as held:
        holding = len(held)
        took = [genuine_webhook(web, n) for n in range(1, 6)]
        assert holding == SLOW_CLIENTS  # they were all there, holding on
    assert max(took) < 1.0, took


def test_slow_bodies_are_cut_off_and_genuine_webhooks_answered_beside_them(web):
    """Full headers, ``Content-Length: 60000``, then a byte every two seconds: the body
    deadline (5 s) lets each go with a 408 or a close, and a webhook beside them is answered."""
    genuine_webhook(web, 0)
    with slow_clients(web, SLOW_CLIENTS, gap=2.0, seconds=20.0, kind="body") as held:
        holding = len(held)
        genuine_webhook(web, 1)  # answered (200), while they hold on
        started = time.monotonic()
        while held and time.monotonic() - started < 15:
            time.sleep(0.2)
        assert holding == SLOW_CLIENTS
        assert not held, f"{len(held)} slow bodies still held open"
        assert max(held.cut_off) < 12  # the deadline, and the trickle's second, on a loaded machine


def test_a_body_that_stops_coming_gets_408(web):
    with socket.create_connection(("127.0.0.1", web), timeout=15) as slow:
        slow.sendall(b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60000\r\n\r\nFrom=")
        answer = slow.recv(1024)
        assert answer.startswith(b"HTTP/1.1 408"), answer


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
