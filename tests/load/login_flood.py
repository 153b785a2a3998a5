"""Console logins under a flood of wrong guesses: do correct logins get in, and do texts wait?

    .venv/bin/python tests/load/login_flood.py [--guessers 16] [--seconds 15] [--rotate]

Starts Redis and the Procfile's web line on loopback, adds an account, then runs
``--guessers`` clients posting wrong passwords for other names as fast as they are
answered, from 127.0.0.2 (another address: Linux routes all of 127/8 to loopback; with
``--rotate``, a new name and address at every try),
while from 127.0.0.1 the account's owner logs in correctly once a second and a signed
/sms webhook is sent every 100 ms. Prints how the correct logins were answered, how
the guesses were, and the webhooks' median and slowest times.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from tests.load.slow_clients import SECRET, environment, genuine_webhook, procfile_web, web_server  # noqa: E402

PASSWORD = "correct horse battery staple"


def log_in(port: int, source: str, name: str, password: str) -> int:
    """One login as a browser makes it (the form, its token and cookie, the post): the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", "/console/login")
        page = conn.getresponse()
        cookie = (page.getheader("Set-Cookie") or "").split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)
        conn.request(
            "POST",
            "/console/login",
            urlencode({"username": name, "password": password, "csrf_token": token}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guessers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rotate", action="store_true", help="each guess from a new name and address (127.1.x.y), as a botnet would")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="signpost-logins-"))
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    try:
        with web_server(procfile_web(), redis_server.url, str(work / "state")) as port:
            env = {**environment(redis_server.url, port, str(work / "state")), "SIGNPOST_SECRET_KEY": SECRET}
            subprocess.run(
                [sys.executable, "-m", "service.cli", "users", "add", "dana"],
                input=PASSWORD + "\n",
                text=True,
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            stop, guesses, correct, webhooks = threading.Event(), Counter(), Counter(), []
            # The owner has logged in from their desk before: an address the account knows.
            first = log_in(port, "127.0.0.1", "dana", PASSWORD)
            print(f"the owner's first login, before the flood: {first} (302: logged in)")

            def guess(n: int) -> None:
                tries = 0
                while not stop.is_set():
                    tries += 1
                    # --rotate: a new name and address at every try, so that nothing ever waits.
                    source = f"127.1.{n}.{tries % 250 + 1}" if args.rotate else "127.0.0.2"
                    name = f"guess{n}x{tries}" if args.rotate else f"guess{n}"
                    guesses[log_in(port, source, name, "not the password")] += 1

            threads = [threading.Thread(target=guess, args=(n,), daemon=True) for n in range(args.guessers)]
            for thread in threads:
                thread.start()
            time.sleep(1.0)
            ends, n = time.monotonic() + args.seconds, 0
            next_login = time.monotonic()
            while time.monotonic() < ends:
                if time.monotonic() >= next_login:
                    correct[log_in(port, "127.0.0.1", "dana", PASSWORD)] += 1
                    next_login += 1.0
                n += 1
                webhooks.append(genuine_webhook(port, n))
                time.sleep(0.1)
            stop.set()
            for thread in threads:
                thread.join(timeout=35)
    finally:
        redis_server.stop()
    print(f"{args.guessers} guessers for {args.seconds:.0f} s: guesses answered {dict(guesses)}")
    print(f"  correct logins answered {dict(correct)} (302: logged in)")
    print(f"  /sms: median {statistics.median(webhooks) * 1000:.0f} ms, slowest {max(webhooks) * 1000:.0f} ms ({len(webhooks)} webhooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
