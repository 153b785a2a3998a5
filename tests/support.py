"""Helpers the tests share: Twilio-signed requests and TwiML parsing."""

from __future__ import annotations

import base64
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from rq.scheduler import RQScheduler

from flows.render import (
    EMERGENCY_SMS,
    EMERGENCY_SMS_ANYONE,
    EMERGENCY_VOICE,
    EMERGENCY_VOICE_ANYONE,
    EMERGENCY_VOICE_SHORT,
    has_bare_999,
)
from service.cli.worker import run_once
from service.followups import media
from service.followups.asking import queue
from service.twilio.sender import sender_for

# A text's first line: the 999 line, worded for professionals or for anyone else (a
# page for a young person, a parent, an adult or someone at risk: flows.render).
EMERGENCY_SMS_LINES = (EMERGENCY_SMS, EMERGENCY_SMS_ANYONE)
# The shipped main menu's first choices: how a reply is known to be that menu.
MAIN_MENU_CHOICES = "1 What to do now\n2 Warning signs"


def starts_with_999(text: str) -> bool:
    return bool(text) and text.splitlines()[0] in EMERGENCY_SMS_LINES


AUTH_TOKEN = "test-auth-token-0123456789abcdef"
SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
TEXTER = "+447400123456"  # a valid UK mobile
LINE_NUMBER = "+441234567890"
ACCOUNT_SID = "AC" + "0" * 32  # the account the tests (and the fake Twilio API) use


class LiveServer:
    """The Flask app served over real HTTP on loopback, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


class Twilio:
    """Sends webhooks the way Twilio does: form-encoded, signed over URL and params."""

    def __init__(self, base_url: str, auth_token: str = AUTH_TOKEN, public_url: str | None = None):
        self.base_url = base_url
        self.public_url = public_url or base_url
        self.validator = RequestValidator(auth_token)
        self.session = requests.Session()
        self._sid = 0

    def sign(self, path: str, params: MultiDict) -> str:
        return self.validator.compute_signature(self.public_url + path, params)

    def complete(self, path: str, params) -> MultiDict:
        """``params`` with what Twilio puts in every webhook and a test left out: the
        account, and the SID that names the delivery (a new one)."""
        params = MultiDict(params)
        params.setdefault("AccountSid", ACCOUNT_SID)
        if path.startswith("/sms"):
            params.setdefault("MessageSid", self.next_sid("SM"))
        elif path.startswith("/voice"):
            params.setdefault("CallSid", self.next_sid("CA"))
        return params

    def post(self, path: str, params, headers: dict | None = None, signature: str | None = None):
        """Signed as Twilio signs; a form the test signed itself (``signature``) is sent as it is."""
        params = self.complete(path, params) if signature is None else MultiDict(params)
        headers = dict(headers or {})
        headers["X-Twilio-Signature"] = self.sign(path, params) if signature is None else signature
        return self.session.post(self.base_url + path, data=list(params.items(multi=True)), headers=headers, timeout=10)

    def next_sid(self, prefix: str) -> str:
        self._sid += 1
        return f"{prefix}{self._sid:032d}"

    def sms(self, body: str, sender: str = TEXTER, sid: str | None = None, **extra):
        params = {"From": sender, "To": LINE_NUMBER, "Body": body, "MessageSid": sid or self.next_sid("SM"), **extra}
        return self.post("/sms", params)

    def call_start(self, call_sid: str | None = None, from_: str = TEXTER) -> Call:
        """A new call to the line, answered: the Call follows the TwiML as Twilio would."""
        return Call(self, call_sid or self.next_sid("CA"), from_).start()


class Call:
    """One call in progress. Each method does what Twilio does with the last TwiML:
    follows the <Gather action> with Digits or SpeechResult, the <Redirect> when the
    caller is silent, or the <Dial action> when a transfer ends."""

    def __init__(self, twilio: Twilio, sid: str, caller: str):
        self.twilio, self.sid, self.caller = twilio, sid, caller
        self.response = None
        self.root: ET.Element | None = None

    def post(self, path: str, **params) -> Call:
        form = {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": LINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **params,
        }
        self.response = self.twilio.post(path, form)
        self.root = voice_twiml(self.response)
        return self

    def start(self) -> Call:
        return self.post("/voice", CallStatus="ringing")

    def press(self, digits: str) -> Call:
        return self.post(gather(self.root).get("action"), Digits=digits)

    def say(self, words: str) -> Call:
        return self.post(gather(self.root).get("action"), SpeechResult=words, Confidence="0.92")

    def silence(self) -> Call:
        return self.post(self.root.find("Redirect").text)

    def hang_up(self, status: str = "completed"):
        """Twilio's call status callback when the call is over (the number's StatusCallback)."""
        form = {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": LINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": status,
            "CallDuration": "42",
            "CallbackSource": "call-progress-events",
            "SequenceNumber": "0",
            "ApiVersion": "2010-04-01",
        }
        return self.twilio.post("/voice/status", form)

    def dial_ends(self, status: str) -> Call:
        return self.post(self.root.find("Dial").get("action"), DialCallStatus=status)

    @property
    def said(self) -> list[str]:
        return spoken(self.root)

    @property
    def text(self) -> str:
        return " ".join(self.said)


def message_text(response) -> str:
    """The single SMS a TwiML messaging response sends, parsed as XML."""
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) == 1, response.text
    return messages[0].text or ""


def voice_twiml(response) -> ET.Element:
    """A voice webhook's answer: 200 and a TwiML <Response>, parsed as XML."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(("application/xml", "text/xml"))
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> list[str]:
    """Every <Say>, in document order (SSML such as <prosody> included)."""
    return [" ".join("".join(say.itertext()).split()) for say in root.iter("Say")]


def assert_999_said(said: list[str], full_first: bool = False) -> None:
    """A turn of a call says the 999 instruction as ``flows.render.voice_turn`` puts it:
    in full and first where a call starts or may end (``full_first``), else at least the
    short form straight after the turn's first sentence; "999" always as the digits."""
    assert said, "nothing said"
    assert not any(has_bare_999(line) for line in said), said
    # A page for someone who may be the one in danger says it in full, first, worded for them.
    if said[0] == EMERGENCY_VOICE_ANYONE:
        return
    if full_first:
        assert said[0] == EMERGENCY_VOICE, said
    else:
        assert said[0] == EMERGENCY_VOICE or EMERGENCY_VOICE_SHORT in said[:2], said


def gather(root: ET.Element) -> ET.Element:
    found = root.find("Gather")
    assert found is not None, ET.tostring(root)
    return found


def step_of(action: str) -> int:
    """The step number a voice action URL names."""
    return int(parse_qs(urlsplit(action).query)["n"][0])


def call_state_in(action: str) -> str:
    """What a voice action URL carries as the call's state, decoded (the test reads it, not the app)."""
    state = parse_qs(urlsplit(action).query)["s"][0]
    return base64.urlsafe_b64decode(state + "=" * (-len(state) % 4)).decode()


def run_followups(line, sender=None, timeout: float = 60.0) -> None:
    """Run the follow-up worker in this process until nothing is queued or waiting to retry.

    Retries wait in RQ's scheduled registry for their gap; they are queued again here
    once it has passed, so this keeps working until both are empty.
    """
    sender = sender or sender_for(line.config)
    queues = [queue(line), media.queue(line.store.redis)]
    # Retries whose gap has passed are queued here, not by the worker's scheduler: that
    # takes and gives back RQ's scheduler lock on every pass, and on a loaded machine a
    # pass could wait on it for a minute.
    due = RQScheduler(queues, connection=queues[0].connection)
    due.prepare_registries([q.name for q in queues])
    deadline = time.monotonic() + timeout
    while True:
        due.enqueue_scheduled_jobs()
        run_once(line, sender, with_scheduler=False)
        if not any(q.count or q.scheduled_job_registry.count for q in queues):
            return
        assert time.monotonic() < deadline, "follow-ups still waiting after the timeout"
        time.sleep(0.1)


def redis_contents(client, skip: str | None = None):
    """(key, everything stored under it) for every key, RQ's zlib-compressed job
    payloads opened up; keys starting with ``skip`` are passed over."""
    for key in client.scan_iter():
        if skip and key.decode().startswith(skip):
            continue
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key)]
        elif kind == b"hash":
            values = [v for kv in client.hgetall(key).items() for v in kv]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = client.zrange(key, 0, -1)
        elif kind == b"stream":
            values = [v for _, entry in client.xrange(key) for kv in entry.items() for v in kv]
        else:
            raise AssertionError(f"unexpected Redis type {kind} at {key}")
        opened = []
        for value in values:
            opened.append(value)
            try:
                opened.append(zlib.decompress(value))
            except zlib.error:
                pass
        yield key.decode(), b"\n".join([key, *opened])


def every_redis_byte(client) -> bytes:
    """Every key and value in Redis, as one searchable blob."""
    return b"\n".join(blob for _, blob in redis_contents(client))
