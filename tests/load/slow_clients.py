"""How long a genuine webhook waits while slow clients hold connections open.

    .venv/bin/python tests/load/slow_clients.py                 # the Procfile's web line
    .venv/bin/python tests/load/slow_clients.py --command "waitress-serve ..."  # another server

A slow client ("slowloris") opens a connection and sends its request headers one
line every few seconds, never finishing. Starts Redis and the web server on
loopback, opens ``--sockets`` such connections (each sends a header line every
``--gap`` seconds), sends signed /sms webhooks one after another and prints how long
each took, then closes everything. Bounded: at most ``--seconds`` of slow sending.
"""

from __future__ import annotations

import argparse
import contextlib
import os
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
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "SIGNPOST_SECRET_KEY": SECRET,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PORT": str(port),
            "SIGNPOST_STATE_DIR": state_dir}


@contextlib.contextmanager
def web_server(command: str, redis_url: str, state_dir: str):
    """The web process on a loopback port, answering /healthz; stopped on leaving."""
    port = free_port()
    process = subprocess.Popen(shlex.split(command.replace("$PORT", str(port))) + ["--bind", f"127.0.0.1:{port}"]
                               if "--bind" not in command and "$PORT" not in command and "gunicorn" in command
                               else shlex.split(command.replace("$PORT", str(port))),
                               env=environment(redis_url, port, state_dir), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


@contextlib.contextmanager
def slow_clients(port: int, count: int, gap: float, seconds: float):
    """``count`` connections sending request headers one line every ``gap`` seconds,
    for ``seconds`` at most; all closed on leaving."""
    sockets, stop = [], threading.Event()
    for n in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(s)

    def trickle():
        started, line = time.monotonic(), 0
        while not stop.wait(gap) and time.monotonic() - started < seconds:
            line += 1
            for s in list(sockets):
                try:
                    s.sendall(f"X-Slow-{line}: {'a' * 10}\r\n".encode())
                except OSError:
                    sockets.remove(s)  # the server hung up on it: that is allowed

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
    form = {"AccountSid": "AC" + "e" * 32, "MessageSid": f"SM{n:032x}", "From": "+447400123456",
            "To": "+441234567890", "Body": "hi"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    started = time.monotonic()
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    took = time.monotonic() - started
    if answer.status_code != 200:
        raise RuntimeError(f"webhook answered {answer.status_code}")
    return took


def measure(command: str, sockets: int, gap: float, webhooks: int, seconds: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="signpost-slow-"))
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    try:
        with web_server(command, redis_server.url, str(work / "state")) as port:
            calm = [genuine_webhook(port, n) for n in range(webhooks)]
            with slow_clients(port, sockets, gap, seconds) as held:
                time.sleep(min(2 * gap, 2.0))  # the slow clients are in, and trickling
                slow = []
                for n in range(webhooks):
                    try:
                        slow.append(genuine_webhook(port, 1000 + n))
                    except requests.RequestException:
                        slow.append(float("inf"))
                open_at_end = len(held)
        return {"calm": calm, "slow": slow, "still_open": open_at_end}
    finally:
        redis_server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", action="append", help="server command ($PORT for its port); default: Procfile web")
    parser.add_argument("--sockets", type=int, default=100)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between a slow client's header lines")
    parser.add_argument("--webhooks", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0, help="longest the slow clients keep sending")
    args = parser.parse_args()
    for command in args.command or [procfile_web()]:
        result = measure(command, args.sockets, args.gap, args.webhooks, args.seconds)
        slow = result["slow"]
        print(f"{command}\n  no slow clients: median {statistics.median(result['calm']) * 1000:.0f} ms, "
              f"max {max(result['calm']) * 1000:.0f} ms\n  {args.sockets} slow clients: median "
              f"{statistics.median(slow) * 1000:.0f} ms, max {max(slow) * 1000:.0f} ms "
              f"({result['still_open']} still held open)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
