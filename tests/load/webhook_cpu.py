"""CPU time the web process spends on one webhook, by kind, without a server around it.

    .venv/bin/python tests/load/webhook_cpu.py [--webhooks 20000] [--rounds 3]

``make bench`` measures the whole server under load, and on a shared machine its
figures move by a tenth from one run to the next: too much to see a change of a few
per cent in the line's own code. This drives the real app (signatures checked,
``PROMETHEUS_MULTIPROC_DIR`` set as gunicorn_conf sets it, a Redis of its own) through
WSGI in this process, one distinct signed webhook at a time, as bench.py makes them,
and prints the process's CPU time per webhook for each kind, and a bare Flask app's
for scale. The Redis server's own CPU is not in it (``make capacity`` has that); the
client's side of the round trip is. Best of ``--rounds``, so a busy moment elsewhere
does not count.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from tests.load.bench import TOKEN, signed_requests  # noqa: E402

BASE = "http://127.0.0.1:5000"


def environ(path: str, body: str, signature: str) -> dict:
    """The WSGI environ gunicorn would hand the app for this webhook, its body unread."""
    url = urlsplit(path)
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_HOST": "127.0.0.1:5000",
        "HTTP_X_TWILIO_SIGNATURE": signature,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def answered(status, headers, exc_info=None):
    if not status.startswith("200"):
        raise SystemExit(f"a webhook was answered {status}")


def cpu_per_webhook(app, webhooks: list[tuple[str, str, str]]) -> float:
    """CPU microseconds per webhook, the environs built before the clock starts."""
    environs = [environ(*webhook) for webhook in webhooks]
    # What was built before the clock stays out of the collector's passes: otherwise the
    # hundred thousand webhooks waiting their turn are walked again and again.
    gc.collect()
    gc.freeze()
    started = time.process_time()
    for e in environs:
        b"".join(app(e, answered))
    return (time.process_time() - started) / len(environs) * 1e6


def first_step_url(app) -> str:
    """The action URL a new call's answer names (it carries the call's state)."""
    params = {"CallSid": "CA" + "f" * 32, "From": "+447400000000", "To": "+441234567890"}
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/voice", params)
    answer = b"".join(app(environ("/voice", urlencode(params), signature), answered))
    return ET.fromstring(answer).find("Gather").get("action")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=10_000, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="signpost-cpu-"))
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    (work / "metrics").mkdir()
    os.environ.update(
        REDIS_URL=redis_server.url,
        TWILIO_AUTH_TOKEN=TOKEN,
        PUBLIC_BASE_URL=BASE,
        SIGNPOST_SECRET_KEY="bench-secret-key-0123456789abcdef-0123",
        SIGNPOST_STATE_DIR=str(work / "state"),
        PROMETHEUS_MULTIPROC_DIR=str(work / "metrics"),
    )
    try:
        # Imported once the settings are in place: the metrics read theirs at import.
        from service.web.app import create_app
        from tests.load.bare_app import app as bare

        line = create_app()
        step_url = first_step_url(line)
        # bench.py's mix, sorted by kind: every webhook distinct, since the line answers
        # a repeated delivery from Redis; one round more than asked, to warm up.
        needed = args.webhooks * (args.rounds + 1)
        kinds: dict[str, list] = {"/sms": [], "/voice": [], "/voice/step": []}
        for webhook in signed_requests(BASE, 4 * needed, step_url):
            kinds[urlsplit(webhook[0]).path].append(webhook)
        print(f"CPU time per webhook in one process, best of {args.rounds} rounds of {args.webhooks:,} distinct signed webhooks")
        for kind, webhooks in kinds.items():
            rounds = [webhooks[r * args.webhooks : (r + 1) * args.webhooks] for r in range(args.rounds + 1)]
            cpu_per_webhook(line, rounds[0])
            ours = min(cpu_per_webhook(line, batch) for batch in rounds[1:])
            theirs = min(cpu_per_webhook(bare, batch) for batch in rounds[1:])
            print(f"  {kind:<11} line {ours:5.0f} us   bare Flask {theirs:3.0f} us")
    finally:
        redis_server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
