"""A deadline on reading a request's body: a client sending it slowly is cut off.

gunicorn's gevent workers give a request's headers ``keepalive`` seconds to arrive
(see gunicorn_conf), but nothing bounds its body: a client that sends full headers
with ``Content-Length: 60000`` and then a byte every ten seconds holds its
connection, and one of the worker's ``worker_connections``, for as long as it likes.
Some thousands of those and genuine webhooks queue behind them until Twilio gives up.

So the body is read here, before the app sees the request, within
``request_read_seconds`` from the moment the app is called: on time, the app gets it
from memory; late, the client gets 408 and the connection is closed. Twilio sends a
webhook's body at once with its headers (a few KB at most), so a genuine webhook
never comes near the deadline. The body is already capped at
``max_request_bytes`` (413, by Flask, before anything reads it).

The deadline is gevent's, so it holds where gevent has patched the socket module (the
Procfile's web line); under another server the read is left to that server's own
timeouts, and the body is read as before.
"""

from __future__ import annotations

import io
import logging

log = logging.getLogger("signpost.web")

CHUNK = 16 * 1024
TIMED_OUT = b"The request's body did not arrive in time.\n"


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("socket")


class TakeTurns:
    """WSGI middleware: each request first gives the worker's other greenlets a turn.

    A gevent worker switches greenlets only when one waits on I/O. Requests sent back to
    back on one kept-alive connection (pipelined, or forwarded by a proxy) are already in
    the socket's buffer, and refusing an unsigned one waits on nothing: without a turn
    here the worker served that one connection alone, accepted no other, and stopped
    beating its heart until gunicorn killed it (two such connections took both workers).
    """

    def __init__(self, app):
        self.app = app
        self.patched = _gevent_patched()

    def __call__(self, environ, start_response):
        if self.patched:
            import gevent

            gevent.sleep(0)
        return self.app(environ, start_response)


class BodyDeadline:
    """WSGI middleware: the request's body in full within ``seconds``, or 408."""

    def __init__(self, app, seconds: float, max_bytes: int):
        self.app = app
        self.seconds = seconds
        self.max_bytes = max_bytes

    def __call__(self, environ, start_response):
        length = self._length(environ)
        if length is None or not _gevent_patched():
            return self.app(environ, start_response)
        import gevent

        stream = environ["wsgi.input"]
        body = io.BytesIO()
        try:
            with gevent.Timeout(self.seconds):
                # A body of unknown length (chunked) is read to its end, up to one byte past
                # the cap, so the app can still refuse it as too large.
                wanted = length if length >= 0 else self.max_bytes + 1
                while body.tell() < wanted:
                    chunk = stream.read(min(CHUNK, wanted - body.tell()))
                    if not chunk:
                        break
                    body.write(chunk)
        except gevent.Timeout:
            log.warning("request body not received within %.0fs: 408, connection closed", self.seconds)
            start_response(
                "408 Request Timeout", [("Content-Type", "text/plain"), ("Connection", "close"), ("Content-Length", str(len(TIMED_OUT)))]
            )
            return [TIMED_OUT]
        environ["wsgi.input"] = io.BytesIO(body.getvalue())
        environ["CONTENT_LENGTH"] = str(body.tell())
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _length(self, environ) -> int | None:
        """The body's length to read: -1 when unknown (chunked), None for no body to read
        here (none, or more than the app accepts: it answers 413 without reading it)."""
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return -1
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        return length if 0 < length <= self.max_bytes else None
