"""A stand-in for Twilio's REST API at the network edge: the real twilio client talks to it.

Messages: it records every request (path, form, basic-auth user) and answers a
send from a script, one answer per request, then ``created`` once the script
runs out:

    api.script(too_many(), created())

IncomingPhoneNumbers: ``api.add_number("+441234567890", sms_url=...)`` puts a
number on the account; the list (with Twilio's ``PhoneNumber`` filter, which
matches part of a number, and its paging), fetch and update answer as
Twilio's v2010 API does, in its JSON shape (snake_case fields, the list under
``incoming_phone_numbers`` beside the paging keys).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


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
    method: str = "POST"


API_VERSION = "2010-04-01"
NUMBERS = re.compile(rf"/{API_VERSION}/Accounts/(AC\w+)/IncomingPhoneNumbers(?:/(PN\w+))?\.json")
# What an update may set: Twilio's form parameter -> the field in its JSON.
NUMBER_PARAMETERS = {
    "FriendlyName": "friendly_name",
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
    "SmsApplicationSid": "sms_application_sid",
    "VoiceApplicationSid": "voice_application_sid",
    "TrunkSid": "trunk_sid",
    "VoiceReceiveMode": "voice_receive_mode",
}
PAGE_SIZE = 50  # Twilio's default
# The Message Media resource: one picture or video of a message, which the worker deletes.
MEDIA = re.compile(rf"/{API_VERSION}/Accounts/(AC\w+)/Messages/(\w+)/Media/(ME\w+)\.json")


def not_found(path: str) -> Answer:
    return Answer(
        404,
        {
            "code": 20404,
            "message": f"The requested resource {path} was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        },
    )


def incoming_number(account: str, sid: str, number: str, **settings) -> dict:
    """An IncomingPhoneNumber as Twilio's JSON has it: a new number's defaults, then ``settings``."""
    record = {
        "account_sid": account,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": {"fax": False, "mms": True, "sms": True, "voice": True},
        "date_created": "Thu, 30 Jul 2026 20:12:31 +0000",
        "date_updated": "Thu, 30 Jul 2026 20:12:33 +0000",
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "friendly_name": number,
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": number,
        "sid": sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": None,
        "uri": f"/{API_VERSION}/Accounts/{account}/IncomingPhoneNumbers/{sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": None,
        "bundle_sid": None,
        "status": "in-use",
        "type": "local",
        "subresource_uris": {"assigned_add_ons": f"/{API_VERSION}/Accounts/{account}/IncomingPhoneNumbers/{sid}/AssignedAddOns.json"},
    }
    record.update(settings)
    return record


class FakeTwilioAPI:
    def __init__(self):
        self.requests: list[Request] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self.account = "AC" + "0" * 32
        # The account's phone numbers: PN sid -> the resource as Twilio's JSON has it.
        self.numbers: dict[str, dict] = {}
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

    @property
    def deleted(self) -> list[Request]:
        """DELETE requests: media deleted (.../Messages/{MessageSid}/Media/{MediaSid}.json)."""
        return [r for r in self.requests if r.method == "DELETE"]

    def add_number(self, number: str, **settings) -> dict:
        """Put ``number`` on the account, with Twilio's defaults and then ``settings``."""
        sid = f"PN{next(self._sids):032x}"
        with self._lock:
            self.numbers[sid] = incoming_number(self.account, sid, number, **settings)
        return self.numbers[sid]

    def number(self, number: str) -> dict:
        return next(n for n in self.numbers.values() if n["phone_number"] == number)

    @property
    def number_updates(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and NUMBERS.fullmatch(r.path)]

    def _numbers(self, method: str, path: str, query: dict, form: dict) -> Answer:
        account, sid = NUMBERS.fullmatch(path).groups()
        if account != self.account:
            return not_found(path)
        with self._lock:
            if sid is None and method == "GET":
                return Answer(200, self._number_page(path, query))
            if sid not in self.numbers:
                return not_found(path)
            record = self.numbers[sid]
            if method == "POST":
                record.update({NUMBER_PARAMETERS[k]: v for k, v in form.items() if k in NUMBER_PARAMETERS})
            return Answer(200, dict(record))

    def _number_page(self, path: str, query: dict) -> dict:
        """One page of the list, as Twilio pages it (PageSize, Page, next_page_uri)."""
        wanted = re.sub(r"\D", "", query.get("PhoneNumber", ""))
        found = [n for n in self.numbers.values() if wanted in re.sub(r"\D", "", n["phone_number"])]
        size = int(query.get("PageSize", PAGE_SIZE))
        page = int(query.get("Page", 0))
        chunk = found[page * size : (page + 1) * size]

        def uri(n: int) -> str:
            params = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
            return f"{path}?{urlencode({**params, 'PageSize': size, 'Page': n})}"

        more = (page + 1) * size < len(found)
        return {
            "incoming_phone_numbers": chunk,
            "start": page * size,
            "end": page * size + max(len(chunk) - 1, 0),
            "page": page,
            "page_size": size,
            "uri": uri(page),
            "first_page_uri": uri(0),
            "previous_page_uri": uri(page - 1) if page else None,
            "next_page_uri": uri(page + 1) + f"&PageToken=PA{page + 1}" if more else None,
        }

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
            def do_GET(self):
                self._answer("GET", {})

            def do_DELETE(self):
                self._answer("DELETE", {})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                self._answer("POST", {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()})

            def _answer(self, method: str, form: dict):
                where = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(where.query).items()}
                auth = self.headers.get("Authorization", "")
                account = base64.b64decode(auth[6:]).decode().split(":")[0] if auth.startswith("Basic ") else ""
                recorded = Request(where.path, form, account, method=method)
                api.requests.append(recorded)
                if NUMBERS.fullmatch(where.path):
                    answer = api._numbers(method, where.path, query, form)
                    body = answer.body
                elif method == "POST" and where.path.endswith("/Messages.json"):
                    answer = api._next()
                    if answer.delay:
                        time.sleep(answer.delay)
                    body = answer.body
                    if answer.status == 201:
                        body = {"sid": f"SM{next(api._sids):032x}", "status": "queued", "to": form.get("To"), "body": form.get("Body")}
                elif method == "DELETE" and MEDIA.fullmatch(where.path):
                    # From the script: ``created`` stands for Twilio's 204, no body.
                    answer = api._next()
                    body = {} if answer.status == 201 else answer.body
                    answer = Answer(204) if answer.status == 201 else answer
                else:
                    answer = not_found(where.path)
                    body = answer.body
                recorded.answer = body
                payload = b"" if answer.status == 204 else json.dumps(body).encode()
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
