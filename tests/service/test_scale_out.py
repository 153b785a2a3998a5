"""Two web processes and two workers sharing nothing but one Redis, as the line scales out.

Each webhook goes to whichever process a load balancer picks; here they simply
alternate. Everything a conversation needs between turns is in Redis (or, for a
call, in its signed step URL), so it must not matter which process answers.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from itertools import cycle
from pathlib import Path

import pytest
import redis
import requests
from rq import Worker

from flows.pack import load_pack
from messages import DEFAULT_PACK_DIR
from service.state.keys import FOLLOWUP_QUEUE, PREFIX
from tests.fake_twilio import FakeTwilioAPI
from tests.support import AUTH_TOKEN, SECRET_KEY, Call, Twilio, message_text

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE_PACK = PROJECT / "tests" / "packs" / "en-GB-example"
EXAMPLE_LINE = "+442079460999"
PUBLIC = "https://line.example.org"
FROM_NUMBER = "+441234567890"
START_TIMEOUT = 30.0
PACK = load_pack(DEFAULT_PACK_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (PROJECT / "Procfile").read_text().splitlines()
    return {kind.strip(): command.strip() for kind, command in (line.split(":", 1) for line in lines if line.strip())}


def nested_pack(folder: Path) -> Path:
    """The example pack with a second SMS menu, so a number means different things in each."""
    pack = folder / "pack"
    shutil.copytree(EXAMPLE_PACK, pack)
    menus = pack / "menus.toml"
    menus.write_text(
        menus.read_text().replace('options = ["first_steps", "local"]', 'options = ["first_steps", "local", "more"]')
        + '\n[menus.more]\nchannel = "sms"\ntitle = "More"\nintro = "More. Reply with a number:"\n'
        'options = ["local", "first_steps"]\n'
    )
    return pack


class Cluster:
    def __init__(self, folder: Path, redis_url: str, api: FakeTwilioAPI):
        self.folder, self.api = folder, api
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_"))},
            "REDIS_URL": redis_url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SIGNPOST_SECRET_KEY": SECRET_KEY,
            "PUBLIC_BASE_URL": PUBLIC,
            "TWILIO_ACCOUNT_SID": api.account,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": api.url,
            "SIGNPOST_STATE_DIR": str(folder / "state"),
            "SIGNPOST_PACK_DIR": str(DEFAULT_PACK_DIR),
            "WEB_CONCURRENCY": "1",
            "SIGNPOST_PACKS": f"{EXAMPLE_LINE}={nested_pack(folder)}",
        }
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.webs = []

    def start(self, name: str, command: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "w")
        self.processes.append((name, subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT)))

    def start_all(self) -> None:
        web, worker = (procfile()[kind].split() for kind in ("web", "worker"))
        for name in ("web-a", "web-b"):
            port = free_port()
            # The Procfile's web line, bound to loopback for the test.
            self.start(name, [str(BIN / web[0]), *web[1:], "--bind", f"127.0.0.1:{port}"])
            self.webs.append(f"http://127.0.0.1:{port}")
        for name in ("worker-a", "worker-b"):
            self.start(name, [str(BIN / worker[0]), *worker[1:]])
        deadline = time.monotonic() + START_TIMEOUT
        for web in self.webs:
            while not self._healthy(web):
                assert time.monotonic() < deadline, self.logs()
                time.sleep(0.1)
        connection = redis.Redis.from_url(self.env["REDIS_URL"])
        while len([w for w in Worker.all(connection=connection) if FOLLOWUP_QUEUE in w.queue_names()]) < 2:
            assert time.monotonic() < deadline, self.logs()
            time.sleep(0.1)

    @staticmethod
    def _healthy(web: str) -> bool:
        try:
            return requests.get(f"{web}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        for name, process in self.processes:
            # gunicorn's TERM waits for idle keep-alive connections; INT is its quick stop.
            process.send_signal(signal.SIGINT if name.startswith("web") else signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{(self.folder / f'{name}.log').read_text()[-2000:]}" for name, _ in self.processes)


class Alternating(Twilio):
    """Twilio behind a load balancer: each webhook to the next web process, all signed for PUBLIC."""

    def __init__(self, webs: list[str]):
        super().__init__(webs[0], public_url=PUBLIC)
        self._webs = cycle(webs)
        self.answered_by: list[str] = []
        self.others: list[Twilio] = []

    def post(self, path, params, headers=None, signature=None):
        self.base_url = next(self._webs)
        self.answered_by.append(self.base_url)
        return super().post(path, params, headers, signature)

    def to(self, web: str) -> Twilio:
        one = Twilio(web, public_url=PUBLIC)
        self.others.append(one)
        return one

    def close(self) -> None:
        """Keep-alive connections left open would hold up gunicorn's shutdown."""
        for each in (self, *self.others):
            each.session.close()


@pytest.fixture(scope="module")
def cluster(redis_server, tmp_path_factory):
    api = FakeTwilioAPI()
    running = Cluster(tmp_path_factory.mktemp("scale"), redis_server.url, api)
    redis.Redis.from_url(redis_server.url).flushdb()
    try:
        running.start_all()
        yield running
    finally:
        running.stop()
        api.stop()


@pytest.fixture
def twilio(cluster) -> Alternating:
    alternating = Alternating(cluster.webs)
    yield alternating
    alternating.close()


def page(topic: str) -> str:
    """How the shipped pack's voice page for ``topic`` begins, as a caller hears it."""
    return " ".join(PACK.voice_texts[topic].split())[:60]


def test_a_call_alternating_between_web_processes_keeps_its_place(twilio):
    call = twilio.call_start("CA" + "1" * 32, from_="+447400111001")
    call.press("2")
    assert page("helplines") in call.text
    call.press("9")  # repeat: the other process must know where the caller is
    assert page("helplines") in call.text
    call.press("*")  # back: and the menu behind them
    call.press("4")  # on the main menu, 4 is more advice (on the helplines page it is no choice)
    call.press("1")  # and 1 there is warning signs
    assert page("signs") in call.text
    assert len(set(twilio.answered_by)) == 2


def test_a_texter_alternating_between_web_processes_keeps_their_place(twilio, cluster):
    texter = "+447400111002"

    def text(body):
        return message_text(twilio.sms(body, sender=texter, To=EXAMPLE_LINE))

    assert "Exampleshire advice line. Reply with a number:" in text("hi")
    assert "More. Reply with a number:" in text("3")
    # 1 from the second menu is contacts; from the first it would be first steps.
    assert "Exampleshire contacts:" in text("1")
    assert "Exampleshire advice line" in text("0")
    assert "Exampleshire first steps:" in text("1")
    assert len(set(twilio.answered_by)) == 2


def test_a_follow_up_asked_for_once_is_sent_once_with_two_workers(twilio, cluster):
    caller = "+447400111003"
    call = twilio.call_start("CA" + "3" * 32, from_=caller).press("1").press("1")
    assert "mobile number ending 0 0 3" in call.text, call.text
    call.press("1")
    assert "If that number can get texts from this line, the text will be there in a minute or two." in call.text
    sent = wait_for_messages(cluster.api, caller, 1)
    assert sent[0].form["From"] == FROM_NUMBER
    time.sleep(1.5)  # both workers had their chance at the job
    assert len(messages_to(cluster.api, caller)) == 1


def test_a_retried_webhook_that_reaches_the_other_process_acts_once(twilio, cluster, redis_server):
    a, b = (twilio.to(web) for web in cluster.webs)
    # A call's request for a text, retried to the other process: one text.
    caller = "+447400111004"
    call = Call(a, "CA" + "4" * 32, caller).start().press("1").press("1")
    url = call.root.find("Gather").get("action")
    first = call.press("1").response.content
    retried = Call(b, call.sid, caller).post(url, Digits="1").response.content
    assert retried == first
    wait_for_messages(cluster.api, caller, 1)
    # A text retried to the other process: the same reply, and the texter moved once.
    texter, sid = "+447400111005", "SM" + "5" * 32
    # Each delivery its own MessageSid (the two senders here would number theirs alike).
    assert "Exampleshire advice line" in message_text(a.sms("hi", sender=texter, sid="SM" + "6" * 32, To=EXAMPLE_LINE))
    shown_before = shown(redis_server, "sms:more")
    first = a.sms("3", sender=texter, sid=sid, To=EXAMPLE_LINE)
    again = b.sms("3", sender=texter, sid=sid, To=EXAMPLE_LINE)
    assert again.content == first.content and "More." in message_text(again)
    assert "Exampleshire contacts:" in message_text(b.sms("1", sender=texter, sid="SM" + "7" * 32, To=EXAMPLE_LINE))
    assert shown(redis_server, "sms:more") == shown_before + 1  # counted once
    time.sleep(1.5)
    assert len(messages_to(cluster.api, caller)) == 1


def shown(redis_server, item: str) -> int:
    """How often the example pack's ``item`` was counted as shown, over every day."""
    stats = redis.Redis.from_url(redis_server.url)
    return sum(int(stats.hget(key, item) or 0) for key in stats.scan_iter(f"{PREFIX}stats:en-GB-example:*"))


def messages_to(api: FakeTwilioAPI, number: str):
    return [m for m in api.messages if m.form.get("To") == number]


def wait_for_messages(api: FakeTwilioAPI, number: str, count: int, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while len(messages_to(api, number)) < count:
        assert time.monotonic() < deadline, f"no text to {number} within {timeout} s"
        time.sleep(0.1)
    return messages_to(api, number)
