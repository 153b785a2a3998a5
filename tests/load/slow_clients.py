"""How long a genuine webhook waits while slow clients hold connections open.

    .venv/bin/python tests/load/slow_clients.py                 # the Procfile's web line
    .venv/bin/python tests/load/slow_clients.py --kind body --sockets 2500 --gap 10
    .venv/bin/python tests/load/slow_clients.py --command "waitress-serve ..."  # another server

A slow client opens a connection and never finishes its request: ``--kind headers``
("slowloris") sends its headers one line every ``--gap`` seconds; ``--kind body``
sends full headers with ``Content-Length: 60000`` and then one byte of the body every
``--gap`` seconds. Starts Redis and the web server on loopback, opens ``--sockets``
such connections, sends signed /sms webhooks one after another while they are open
and prints how long each took, how many slow clients the server had cut off and how
soon. Bounded: at most ``--seconds`` of slow sending.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis, free_port  # noqa: E402

TOKEN = "slow-clients-auth-token-0123456789"
SECRET = "slow-clients-secret-key-0123456789abcdef"


def procfile_web() -> str:
    procfile = dict(row.split(":", 1) for row in (ROOT / "Procfile").read_text().splitlines() if ":" in row)
    return procfile["web"].strip()


def environment(redis_url: str, port: int, state_dir: str) -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SIGNPOST_SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "SIGNPOST_STATE_DIR": state_dir,
    }


@contextlib.contextmanager
def web_server(command: str, redis_url: str, state_dir: str):
    """The web process on a loopback port, answering /healthz; stopped on leaving."""
    port = free_port()
    process = subprocess.Popen(
        shlex.split(command.replace("$PORT", str(port))) + ["--bind", f"127.0.0.1:{port}"]
        if "--bind" not in command and "$PORT" not in command and "gunicorn" in command
        else shlex.split(command.replace("$PORT", str(port))),
        env=environment(redis_url, port, state_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"web process exited: {command}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"web process did not answer in 30 s: {command}")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# What a slow client sends first: part of its headers, or all of them and a body to come.
OPENINGS = {
    "headers": b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "body": (b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n"),
}


def allow_open_files(count: int) -> None:
    """Raise this process's limit on open files to hold ``count`` sockets, if it can."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


class SlowClients(list):
    """The open slow connections; ``cut_off`` holds how many seconds after opening the
    server closed each one it closed."""

    def __init__(self):
        super().__init__()
        self.cut_off: list[float] = []


@contextlib.contextmanager
def slow_clients(port: int, count: int, gap: float, seconds: float, kind: str = "headers"):
    """``count`` connections that never finish their request: sending a header line
    (``headers``) or a byte of a 60,000-byte body (``body``) every ``gap`` seconds, for
    ``seconds`` at most; all closed on leaving."""
    allow_open_files(count)
    sockets, stop, opened = SlowClients(), threading.Event(), time.monotonic()
    for n in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        s.sendall(OPENINGS[kind])
        sockets.append(s)

    def let_go(s: socket.socket) -> bool:
        """Whether the server has answered (408) or closed the connection."""
        try:
            s.recv(1024)
        except BlockingIOError:
            return False  # nothing from the server: still held open
        except OSError:
            pass
        return True

    def trickle():
        started, sent = time.monotonic(), 0
        while not stop.wait(min(gap, 1.0)) and time.monotonic() - started < seconds:
            due = time.monotonic() - started >= gap * (sent + 1)
            sent += due
            for s in list(sockets):
                try:
                    if not let_go(s):
                        if due:
                            s.sendall(f"X-Slow-{sent}: {'a' * 10}\r\n".encode() if kind == "headers" else b"a")
                        continue
                except OSError:
                    pass  # the server hung up on it: that is allowed
                sockets.remove(s)
                sockets.cut_off.append(time.monotonic() - opened)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sockets
    finally:
        stop.set()
        thread.join(timeout=gap + 5)
        for s in sockets:
            s.close()


def genuine_webhook(port: int, n: int) -> float:
    """One signed /sms webhook, as Twilio sends it; seconds until it was answered."""
    url = f"http://127.0.0.1:{port}/sms"
    form = {"AccountSid": "AC" + "e" * 32, "MessageSid": f"SM{n:032x}", "From": "+447400123456", "To": "+441234567890", "Body": "hi"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    started = time.monotonic()
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    took = time.monotonic() - started
    if answer.status_code != 200:
        raise RuntimeError(f"webhook answered {answer.status_code}")
    return took


def measure(command: str, sockets: int, gap: float, webhooks: int, seconds: float, kind: str = "headers") -> dict:
    work = Path(tempfile.mkdtemp(prefix="signpost-slow-"))
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    try:
        with web_server(command, redis_server.url, str(work / "state")) as port:
            calm = [genuine_webhook(port, n) for n in range(webhooks)]
            with slow_clients(port, sockets, gap, seconds, kind) as held:
                time.sleep(0.5)  # the slow clients are in
                open_while_measured = len(held)
                slow = []
                for n in range(webhooks):
                    try:
                        slow.append(genuine_webhook(port, 1000 + n))
                    except requests.RequestException:
                        slow.append(float("inf"))
                open_after = len(held)
                # Wait for the server to let the rest go (or for the slow sending to end).
                deadline = time.monotonic() + seconds
                while held and time.monotonic() < deadline:
                    time.sleep(0.5)
                cut_off = list(held.cut_off)
        return {"calm": calm, "slow": slow, "open_while_measured": min(open_while_measured, open_after), "cut_off": cut_off}
    finally:
        redis_server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", action="append", help="server command ($PORT for its port); default: Procfile web")
    parser.add_argument(
        "--kind", choices=sorted(OPENINGS), default="headers", help="what a slow client sends slowly: its headers, or its body"
    )
    parser.add_argument("--sockets", type=int, default=100)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between a slow client's header lines (or body bytes)")
    parser.add_argument("--webhooks", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0, help="longest the slow clients keep sending")
    args = parser.parse_args()
    for command in args.command or [procfile_web()]:
        result = measure(command, args.sockets, args.gap, args.webhooks, args.seconds, args.kind)
        slow, cut = result["slow"], result["cut_off"]
        print(
            f"{command}\n  no slow clients: median {statistics.median(result['calm']) * 1000:.0f} ms, "
            f"max {max(result['calm']) * 1000:.0f} ms\n  {args.sockets} slow-{args.kind} clients: median "
            f"{statistics.median(slow) * 1000:.0f} ms, max {max(slow) * 1000:.0f} ms "
            f"({result['open_while_measured']} held open while measured)\n  cut off by the server: "
            f"{len(cut)} of {args.sockets}" + (f", the last {max(cut):.1f} s after opening" if cut else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
