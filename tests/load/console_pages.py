"""How long each console page takes to make, with a year of counts behind it.

    .venv/bin/python tests/load/console_pages.py [--days 400] [--runs 20]

Starts a Redis of its own, fills ``--days`` days of counts for the pack (every
page, both channels, every event, as the webhooks and worker would have written
them), serves the real app in this process, logs in, and fetches each page
``--runs`` times. Prints the median and the slowest time per page, and its size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.config import Config  # noqa: E402
from service.state import keys  # noqa: E402
from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from service.state.store import uk_today  # noqa: E402
from service.web.app import create_app  # noqa: E402
from service.web.console.accounts import Accounts  # noqa: E402
from tests.support import LiveServer  # noqa: E402

PASSWORD = "a long password for the figures"
EVENTS = [
    "sms:conversation",
    "voice:conversation",
    "sms:opt_out",
    "sms:opt_in",
    "sms:flooded",
    "followup:queued",
    "followup:sent",
    "followup:delivered",
    "followup:undelivered:30003",
    "followup:refused:21211",
    "followup:capped",
]


def fill(client, pack, days: int) -> int:
    today, fields = uk_today(), 0
    pipe = client.pipeline(transaction=False)
    for n in range(days):
        day = today - dt.timedelta(days=n)
        pages = {
            f"{channel}:{node}": (n * 7 + i) % 23 + 1 for i, node in enumerate([*pack.topics, *pack.menus]) for channel in ("sms", "voice")
        }
        events = {field: (n + i) % 5 + 1 for i, field in enumerate(EVENTS)}
        pipe.hset(keys.stats(pack.id, day), mapping=pages)
        pipe.hset(keys.events(pack.id, day), mapping=events)
        fields += len(pages) + len(events)
    pipe.execute()
    return fields


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        redis_server = EmbeddedRedis(Path(folder) / "redis", persist=False)
        url = redis_server.start()
        try:
            app = create_app(Config(redis_url=url, state_dir=folder))
            line = app.extensions["signpost"]
            Accounts(line.store.redis, line.config.hash_key).add("figures", PASSWORD)
            fields = fill(line.store.redis, line.pack, args.days)
            server = LiveServer(app)
            http = requests.Session()
            token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(server.url + "/console/login").text)
            http.post(server.url + "/console/login", data={"username": "figures", "password": PASSWORD, "csrf_token": token.group(1)})
            start = (uk_today() - dt.timedelta(days=args.days - 1)).isoformat()
            pages = {
                f"usage, {args.days} days": f"/console/usage?from={start}",
                f"usage CSV, {args.days} days": f"/console/usage.csv?from={start}",
                "summary": "/console/summary",
                "usage, 7 days": "/console/usage",
                "content": "/console/content",
                "review": "/console/review",
                "text simulator": "/console/simulator/sms",
                "call simulator": "/console/simulator/call",
                "health": "/console/health",
            }
            print(f"{fields:,} counts over {args.days} days; {args.runs} fetches a page; times in ms")
            print(f"{'page':<24} {'median':>8} {'slowest':>8} {'size':>10}")
            for name, path in pages.items():
                times, size = [], 0
                for _ in range(args.runs):
                    began = time.perf_counter()
                    answer = http.get(server.url + path)
                    times.append((time.perf_counter() - began) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                    size = len(answer.content)
                print(f"{name:<24} {statistics.median(times):>8.1f} {max(times):>8.1f} {size:>9,}B")
            server.stop()
        finally:
            redis_server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
