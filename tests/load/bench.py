"""Speed and memory of the web process, against a bare Flask app, in one run.

    make bench            (or: .venv/bin/python tests/load/bench.py --help)

Starts a real Redis, then the Procfile's ``web:`` line (gunicorn, the real app,
signatures checked) and a bare Flask app returning fixed TwiML on the same number
of workers; drives each with wrk at the same concurrency using distinct, signed
/sms, /voice and /voice/step webhooks; prints requests/s, p50, p99, the ratio,
errors, each web worker's RSS and the start-up time, against the targets.

A third row, the bare app plus one Redis round trip per webhook, shows what the
round trip the line cannot do without costs on the machine at hand.

``--web "COMMAND"`` benches another server instead of the Procfile's (the yardsticks
then run on it too); tests/load/web_servers.py puts several side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import psutil
import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis, free_port  # noqa: E402

TOKEN = "bench-auth-token"
TARGETS = {"ratio": 0.6, "p99_ms": 20.0, "rss_mb": 80.0, "startup_s": 2.0}


def signed_requests(base: str, count: int, step_url: str | None, first: int = 0) -> list[tuple[str, str, str]]:
    """``count`` distinct webhooks, each signed for ``base``: half new texters on /sms,
    a quarter new calls on /voice, a quarter callers pressing a key at the main menu
    (``step_url``, the action a real call start named); all /sms without a voice line."""
    validator = RequestValidator(TOKEN)
    bodies = ["hi", "1", "steps", "helpline", "0", "signs", "2", "links"]
    keys = ["1", "2", "3", "4", "5", "9", "0"]
    out = []
    for n in range(first, first + count):
        number = f"+447400{n % 1_000_000:06d}"
        call = {"CallSid": f"CA{n:032d}", "From": number, "To": "+441234567890"}
        if step_url and n % 4 == 1:
            path, params = "/voice", {**call, "CallStatus": "ringing"}
        elif step_url and n % 4 == 3:
            path, params = step_url, {**call, "CallStatus": "in-progress", "Digits": keys[n % len(keys)]}
        else:
            path, params = "/sms", {"MessageSid": f"SM{n:032d}", "From": number, "To": "+441234567890", "Body": bodies[n % len(bodies)]}
        out.append((path, urlencode(params), validator.compute_signature(base + path, params)))
    return out


def first_step_url(base: str) -> str | None:
    """The action URL a new call's answer names (it carries the call's state), or None
    when the line has no voice."""
    params = {"CallSid": "CA" + "f" * 32, "From": "+447400000000", "To": "+441234567890"}
    signature = RequestValidator(TOKEN).compute_signature(base + "/voice", params)
    answer = requests.post(base + "/voice", data=params, headers={"X-Twilio-Signature": signature}, timeout=5)
    gather = ET.fromstring(answer.content).find("Gather") if answer.status_code == 200 else None
    return gather.get("action") if gather is not None else None


def write_requests(requests_: list, path: Path) -> None:
    path.write_text("".join("\t".join(r) + "\n" for r in requests_))


def start(command: str, env: dict, port: int) -> tuple[subprocess.Popen, float]:
    started = time.monotonic()
    process = subprocess.Popen(shlex.split(command), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() - started < 30:
        if process.poll() is not None:
            raise SystemExit(f"failed to start: {command}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, time.monotonic() - started
        except requests.RequestException:
            time.sleep(0.02)
    process.kill()
    raise SystemExit(f"did not answer within 30s: {command}")


def bound(command: str, port: int) -> str:
    """``command`` serving on loopback ``port``: $PORT filled in, or gunicorn's --bind added."""
    if "$PORT" in command:
        return command.replace("$PORT", str(port))
    return f"{command} --bind 127.0.0.1:{port}"


def wrk(port: int, lua_requests: Path, connections: int, seconds: int) -> dict:
    env = {**os.environ, "SIGNPOST_BENCH_REQUESTS": str(lua_requests), "SIGNPOST_BENCH_THREADS": "2"}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "tests/load/requests.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(row for row in out.splitlines() if row.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def stop(servers, redis_server) -> None:
    """Stop every server started (all asked first, so they wind down together), then Redis."""
    for server in servers:
        server["process"].terminate()
    for server in servers:
        try:
            server["process"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            server["process"].kill()
    redis_server.stop()


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    return [round(c.memory_info().rss / 2**20, 1) for c in psutil.Process(master.pid).children()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per app, taken in turns")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--web", help="server command to try instead of the Procfile's web line ($PORT for its port; it must name service.web.wsgi:app)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="signpost-bench-"))
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    procfile = dict(row.split(":", 1) for row in (ROOT / "Procfile").read_text().splitlines() if ":" in row)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "REDIS_URL": redis_server.url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SIGNPOST_SECRET_KEY": "bench-secret-key-0123456789abcdef-0123",
        "WEB_CONCURRENCY": str(args.workers),
        "SIGNPOST_STATE_DIR": str(work / "state"),
    }
    web = args.web or procfile["web"].strip()
    apps = {
        "signpost": web,
        # The same server and settings as the web line: only the app differs.
        "bare flask": web.replace("service.web.wsgi:app", "tests.load.bare_app:app"),
        "bare + 1 RT": web.replace("service.web.wsgi:app", "tests.load.bare_redis_app:app"),
    }
    servers, runs = {}, {name: [] for name in apps}
    try:
        for name, command in apps.items():
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            process, startup = start(bound(command, port), {**env, "PORT": str(port), "PUBLIC_BASE_URL": base}, port)
            servers[name] = {"process": process, "port": port, "base": base, "startup_s": startup}
        step_url = first_step_url(servers["signpost"]["base"])
        per_round = 150_000
        for name, server in servers.items():
            # The line dedupes deliveries, so it gets fresh ones every round; the bare apps
            # keep nothing, so one list serves all their rounds.
            lists = []
            # One list more than rounds: the first warms the server up.
            for r in range(1 + (args.rounds if name == "signpost" else 1)):
                path = work / f"{name.replace(' ', '_')}-{r}.tsv"
                write_requests(signed_requests(server["base"], per_round, step_url, first=r * per_round), path)
                lists.append(path)
            warm_up, server["lists"] = lists[0], lists[1:]
            wrk(server["port"], warm_up, args.connections, 2)
        # Rounds take turns, so a machine that slows down or speeds up part-way
        # through (a shared one does) weighs on every app alike.
        for r in range(args.rounds):
            for name, server in servers.items():
                lists = server["lists"]
                result = wrk(server["port"], lists[r % len(lists)], args.connections, args.seconds)
                runs[name].append(result)
                print(f"round {r + 1}/{args.rounds} {name}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms", file=sys.stderr)
        rss = {name: worker_rss_mb(server["process"]) for name, server in servers.items()}
    finally:
        stop(servers.values(), redis_server)
        shutil.rmtree(work, ignore_errors=True)

    results = {
        name: {
            "rps": statistics.median(r["rps"] for r in results_),
            "p50_ms": statistics.median(r["p50_ms"] for r in results_),
            "p99_ms": statistics.median(r["p99_ms"] for r in results_),
            "errors": sum(r["errors"] for r in results_),
            "startup_s": servers[name]["startup_s"],
            "rss_mb": rss[name],
        }
        for name, results_ in runs.items()
    }
    ours, bare = results["signpost"], results["bare flask"]
    ratio = ours["rps"] / bare["rps"]
    print(
        f"{args.connections} connections, {args.workers} workers, {args.rounds} rounds of {args.seconds}s, "
        f"medians; distinct signed webhooks ({'/sms, /voice and /voice/step' if step_url else '/sms'})"
    )
    print(f"{'':12} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'start s':>8}  worker RSS MB")
    for name, r in results.items():
        print(
            f"{name:12} {r['rps']:9.0f} {r['rps'] / bare['rps']:6.2f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
            f"{r['errors']:7d} {r['startup_s']:8.2f}  {', '.join(map(str, r['rss_mb']))}"
        )
    checks = {
        f"ratio {ratio:.2f} >= {TARGETS['ratio']}": ratio >= TARGETS["ratio"],
        f"p99 {ours['p99_ms']:.2f} ms <= {TARGETS['p99_ms']:.0f} ms": ours["p99_ms"] <= TARGETS["p99_ms"],
        f"errors {ours['errors']} == 0": ours["errors"] == 0,
        f"worker RSS {max(ours['rss_mb'])} MB <= {TARGETS['rss_mb']:.0f} MB": max(ours["rss_mb"]) <= TARGETS["rss_mb"],
        f"start-up {ours['startup_s']:.2f} s < {TARGETS['startup_s']:.0f} s": ours["startup_s"] < TARGETS["startup_s"],
    }
    for label, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    return 1 if args.check and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
