"""The line through a Redis failover: the Procfile's web and worker against Redis Sentinel,
the primary killed (SIGKILL) under a stream of signed STOP texts and calls asking for a
follow-up text, and the figures printed.

    .venv/bin/python tests/load/failover_trial.py
    .venv/bin/python tests/load/failover_trial.py --replicas 2 --min-replicas-to-write 1

A primary, its replicas and three Sentinels are real ``redis-server`` processes on free
loopback ports (``tests/sentinel.py``); Twilio's REST API is the local fake. Figures:
webhooks answered (and answered with the 999 line first), STOPs whose opt-out is not
in Redis once the line has caught up (lost), follow-ups the caller was told are on
their way and how often each was sent, and seconds from the kill until ``/healthz``
says ok again (None: not within the trial). ``tests/service/test_failover.py`` runs it
and holds the line to the figures.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import itertools
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE, EMERGENCY_VOICE, EMERGENCY_VOICE_SHORT  # noqa: E402
from service.state import keys  # noqa: E402
from service.state.embedded_redis import free_port  # noqa: E402
from service.state.pseudonyms import number_id  # noqa: E402
from tests.fake_twilio import FakeTwilioAPI  # noqa: E402
from tests.sentinel import SentinelCluster  # noqa: E402
from tests.support import AUTH_TOKEN, SECRET_KEY, Twilio, spoken  # noqa: E402

BIN = Path(sys.executable).parent
FROM_NUMBER = "+441234567890"
ON_ITS_WAY = "If that number can get texts from this line, the text will be there in a minute or two."
START_TIMEOUT = 30.0


@dataclass
class Figures:
    webhooks: int = 0
    answered: int = 0  # 200 with TwiML
    with_999_first: int = 0
    stops: int = 0  # STOPs answered
    optouts_lost: int = 0  # neither in Redis once the line has caught up, nor in the journal
    journalled: int = 0  # not in Redis yet, waiting in the journal (Redis not taking writes)
    promised: int = 0  # calls told the text will be there
    promised_before_kill: int = 0
    promised_after_kill: int = 0
    sent: Counter = field(default_factory=Counter)  # texts sent to each number asked for
    healthz_ok_after: float | None = None
    seconds: float = 0.0

    @property
    def sent_twice(self) -> int:
        return sum(1 for n in self.sent.values() if n > 1)

    def promised_not_sent(self, promised_numbers: list[str]) -> int:
        return sum(1 for number in promised_numbers if not self.sent[number])

    def report(self, promised_numbers: list[str]) -> str:
        healthz = "not within the trial" if self.healthz_ok_after is None else f"{self.healthz_ok_after:.1f} s"
        return (
            f"webhooks sent {self.webhooks}, answered {self.answered}, with the 999 line first "
            f"{self.with_999_first}\n"
            f"STOPs answered {self.stops}, opt-outs lost {self.optouts_lost}, still in the journal "
            f"waiting for a Redis that takes writes {self.journalled}\n"
            f"follow-ups promised {self.promised} ({self.promised_before_kill} before the kill, "
            f"{self.promised_after_kill} after), not sent {self.promised_not_sent(promised_numbers)}, "
            f"sent twice {self.sent_twice}\n"
            f"/healthz ok again after the kill: {healthz}\n"
            f"trial took {self.seconds:.1f} s"
        )


class Trial:
    """The Procfile's two lines on a Sentinel-watched Redis, and the traffic to fail it over under."""

    def __init__(self, folder: Path, *, replicas: int = 1, min_replicas_to_write: int = 0, web_workers: int = 1, sweep_seconds: int = 2):
        self.folder = Path(folder)
        self.cluster = SentinelCluster(self.folder / "redis", replicas=replicas, min_replicas_to_write=min_replicas_to_write)
        self.api = FakeTwilioAPI()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_", "REDIS_"))},
            **self.cluster.env(),
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SIGNPOST_SECRET_KEY": SECRET_KEY,
            "PUBLIC_BASE_URL": self.url,
            "TWILIO_ACCOUNT_SID": self.api.account,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.api.url,
            "SIGNPOST_STATE_DIR": str(self.folder / "state"),
            "WEB_CONCURRENCY": str(web_workers),
            "SIGNPOST_FOLLOWUP_SWEEP_SECONDS": str(sweep_seconds),
        }
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.figures = Figures()
        self.promised_numbers: list[str] = []
        self.stopped: list[str] = []
        self.health: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._done = threading.Event()

    # -- the line ------------------------------------------------------------------------

    def start(self) -> Trial:
        self.cluster.start()
        procfile = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line)
        web, worker = shlex.split(procfile["web"]), shlex.split(procfile["worker"])
        self._run("web", [str(BIN / web[0]), *web[1:], "--bind", f"127.0.0.1:{self.port}"])
        self._run("worker", [str(BIN / worker[0]), *worker[1:]])
        deadline = time.monotonic() + START_TIMEOUT
        while self._healthz() != "ok" or not self._worker_listening():
            if time.monotonic() > deadline:
                raise RuntimeError("the line did not start:\n" + self.logs())
            time.sleep(0.1)
        return self

    def _run(self, name: str, command: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "w")
        self.processes.append((name, subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)))

    def _worker_listening(self) -> bool:
        try:
            return bool(self.cluster.primary().keys("rq:worker:*"))
        except Exception:  # noqa: BLE001
            return False

    def _healthz(self) -> str:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).json()["status"]
        except (requests.RequestException, ValueError):
            return "down"

    def stop(self) -> None:
        for name, process in self.processes:
            process.send_signal(signal.SIGINT if name == "web" else signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.api.stop()
        self.cluster.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{(self.folder / f'{name}.log').read_text()[-3000:]}" for name, _ in self.processes)

    # -- the traffic ---------------------------------------------------------------------

    def _count(self, response, sms: bool) -> None:
        with self._lock:
            self.figures.webhooks += 1
            if response is None or response.status_code != 200:
                return
            try:
                root = ET.fromstring(response.content)
            except ET.ParseError:
                return
            self.figures.answered += 1
            if sms:
                messages = root.findall("Message")
                first = (messages[0].text or "").splitlines()[0] if messages else ""
                ok = first in (EMERGENCY_SMS, EMERGENCY_SMS_ANYONE)  # STOP is answered for anyone
            else:
                said = spoken(root)
                ok = bool(said) and (said[0] == EMERGENCY_VOICE or EMERGENCY_VOICE_SHORT in said[:2])
            self.figures.with_999_first += ok

    def _post(self, twilio: Twilio, path: str, params: dict, sms: bool):
        try:
            response = twilio.post(path, params)
        except requests.RequestException:
            response = None
        self._count(response, sms)
        return response

    def _texters(self, pause: float) -> None:
        """One STOP from each of a stream of numbers."""
        twilio = Twilio(self.url)
        n = 0
        while not self._done.is_set():
            n += 1
            number = f"+4474001{n:05d}"
            response = self._post(twilio, "/sms", {"From": number, "To": FROM_NUMBER, "Body": "STOP"}, sms=True)
            if response is not None and response.status_code == 200:
                with self._lock:
                    self.stopped.append(number)
            time.sleep(pause)

    def _callers(self, pause: float, killed_at: list[float]) -> None:
        """A stream of calls, each asking for the links by text to the caller's own mobile."""
        twilio = Twilio(self.url)
        n = 0
        while not self._done.is_set():
            n += 1
            caller = f"+4474009{n:05d}"
            sid = twilio.next_sid("CA")
            form = {"CallSid": sid, "From": caller, "To": FROM_NUMBER, "Direction": "inbound"}
            response = self._post(twilio, "/voice", {**form, "CallStatus": "ringing"}, sms=False)
            # The main menu, the page, "text it to me", "this number": as the scale-out test walks it.
            for _ in range(3):
                gather = ET.fromstring(response.content).find("Gather") if response is not None else None
                if gather is None:
                    break
                response = self._post(twilio, gather.get("action"), {**form, "Digits": "1"}, sms=False)
            if response is not None and ON_ITS_WAY in " ".join(spoken(ET.fromstring(response.content))):
                with self._lock:
                    self.figures.promised += 1
                    self.promised_numbers.append(caller)
                    if killed_at:
                        self.figures.promised_after_kill += 1
                    else:
                        self.figures.promised_before_kill += 1
            time.sleep(pause)

    def _watch_health(self, period: float = 0.1) -> None:
        while not self._done.is_set():
            self.health.append((time.monotonic(), self._healthz()))
            time.sleep(period)

    def run(
        self, *, before: float = 3.0, after_ok: float = 3.0, longest: float = 25.0, text_pause: float = 0.03, call_pause: float = 0.2
    ) -> Figures:
        started = time.monotonic()
        killed_at: list[float] = []
        threads = [
            threading.Thread(target=self._texters, args=(text_pause,)),
            threading.Thread(target=self._callers, args=(call_pause, killed_at)),
            threading.Thread(target=self._watch_health),
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(before)
            self.cluster.kill_primary()
            killed_at.append(time.monotonic())
            deadline = killed_at[0] + longest
            while time.monotonic() < deadline and self.figures.healthz_ok_after is None:
                time.sleep(0.1)
                self.figures.healthz_ok_after = self._recovered(killed_at[0])
            if self.figures.healthz_ok_after is not None:
                time.sleep(after_ok)  # traffic on the new primary too
        finally:
            self._done.set()
            for thread in threads:
                thread.join(timeout=30)
        self._settle()
        self.figures.seconds = time.monotonic() - started
        return self.figures

    def _recovered(self, killed: float) -> float | None:
        """Seconds from the kill to the first ok after the line had noticed it."""
        noticed = False
        for at, status in list(self.health):
            if at < killed:
                continue
            noticed = noticed or status != "ok"
            if noticed and status == "ok":
                return at - killed
        return None

    def _settle(self, timeout: float = 30.0) -> None:
        """Let the line catch up (a journal replays on the next text each web process
        takes; the worker sends what is queued, the sweep what lost its job), then count."""
        twilio = Twilio(self.url)
        journal = self.folder / "state" / "optout-journal.log"
        deadline = time.monotonic() + timeout
        for n in itertools.count():
            if time.monotonic() >= deadline:
                break
            # Each from a number of its own: one number would meet its hourly cap on replies,
            # which, held by each process while Redis refuses writes, is a process's share.
            self._post(twilio, "/sms", {"From": f"+44740099{n % 10000:04d}", "To": FROM_NUMBER, "Body": "hi"}, sms=True)
            sent = Counter(m.form.get("To") for m in self.api.messages)
            if not journal.exists() and all(sent[n] for n in self.promised_numbers):
                break
            time.sleep(0.5)
        people = [number_id(number, SECRET_KEY.encode()) for number in self.stopped]
        try:
            pipe = self.cluster.primary().pipeline(transaction=False)
            for person in people:
                pipe.exists(keys.optout(person))
            missing = [person for person, kept in zip(people, pipe.execute()) if not kept]
        except Exception:  # noqa: BLE001 - no primary to ask: none is in Redis
            missing = people
        waiting = set()
        for kept in journal.parent.glob("optout-journal.log*"):
            # A line: time, change, the person's pseudonym, then the delivery's key if any.
            waiting |= {line.split()[2] for line in kept.read_text().splitlines() if len(line.split()) >= 3}
        self.figures.stops = len(self.stopped)
        self.figures.journalled = sum(1 for person in missing if person in waiting)
        self.figures.optouts_lost = len(missing) - self.figures.journalled
        time.sleep(1.0)  # a second send, were there to be one, would land by now
        self.figures.sent = Counter(m.form.get("To") for m in self.api.messages if m.form.get("To") in set(self.promised_numbers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--min-replicas-to-write", type=int, default=0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="failover-trial-"))
    trial = Trial(folder, replicas=args.replicas, min_replicas_to_write=args.min_replicas_to_write, web_workers=args.web_workers)
    print(
        f"primary, {args.replicas} replica(s), 3 Sentinels; min-replicas-to-write "
        f"{args.min_replicas_to_write}; {args.web_workers} web worker(s), 1 follow-up worker"
    )
    try:
        trial.start()
        figures = trial.run()
    finally:
        trial.stop()
    print(figures.report(trial.promised_numbers))
    if args.keep:
        print(f"logs in {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
