"""A stand-in for Twilio's REST API at the network edge: the real twilio client talks to it.

It records every request (path, form, basic-auth user) and answers from a script,
one answer per request, then ``created`` once the script runs out:

    api.script(too_many(), created())
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Answer:
    status: int
    body: dict = field(default_factory=dict)
    delay: float = 0.0


def created() -> Answer:
    return Answer(201)  # the body is filled in from the request


def too_many() -> Answer:
    return Answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429})


def refused(code: int, message: str = "refused") -> Answer:
    return Answer(400, {"code": code, "message": message, "status": 400})


def server_error() -> Answer:
    return Answer(500, {"code": 20500, "message": "Internal Server Error", "status": 500})


def slow(seconds: float) -> Answer:
    return Answer(201, delay=seconds)


@dataclass
class Request:
    path: str
    form: dict[str, str]
    account: str
    answer: dict = field(default_factory=dict)


class FakeTwilioAPI:
    def __init__(self):
        self.requests: list[Request] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._script = list(answers)

    @property
    def messages(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _next(self) -> Answer:
        with self._lock:
            return self._script.pop(0) if self._script else created()

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = self.headers.get("Authorization", "")
                account = base64.b64decode(auth[6:]).decode().split(":")[0] if auth.startswith("Basic ") else ""
                recorded = Request(self.path, form, account)
                api.requests.append(recorded)
                answer = api._next()
                if answer.delay:
                    time.sleep(answer.delay)
                body = answer.body
                if answer.status == 201:
                    body = {"sid": f"SM{next(api._sids):032x}", "status": "queued",
                            "to": form.get("To"), "body": form.get("Body")}
                recorded.answer = body
                payload = json.dumps(body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the slow answer)

            def log_message(self, *args):
                pass

        return Handler
