"""Web servers side by side: each one's line against bare Flask on that same server.

    .venv/bin/python tests/load/web_servers.py --command "A" --command "B" [--rounds 5]

Each ``--command`` is a server command naming ``service.web.wsgi:app`` ($PORT for its
port; a gunicorn command without it gets ``--bind``), optionally ``label=command``.
Each ``--revision`` is the line as it was at a git revision: its files, its
dependencies in a virtualenv of their own, its Procfile's web line; this is how
"before and after" a change is measured:

    .venv/bin/python tests/load/web_servers.py --revision 7a544e0 \
        --command "now=gunicorn --config python:service.web.gunicorn_conf service.web.wsgi:app"

For each, starts the line and the bare yardstick (the same command serving
tests.load.bare_app:app), then drives them all with wrk, taking turns round by round
(A line, A bare, B line, B bare, A line...), so a shared machine's drift weighs on
every server alike. Each round gives a ratio (line req/s / bare req/s, from the two
runs next to each other) and the line's p99; the table gives medians and ranges.
make bench is the one-server view of the same measure.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from tests.load.bench import (  # noqa: E402
    TOKEN,
    bound,
    first_step_url,
    signed_requests,
    start,
    stop,
    worker_rss_mb,
    wrk,
    write_requests,
)

LINE_APP, BARE_APP = "service.web.wsgi:app", "tests.load.bare_app:app"


def spread(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f} - {max(values):.{digits}f})"


def revision_command(revision: str, work: Path) -> str:
    """The server command of the line at ``revision``: its tree unpacked under ``work``
    (git archive: the repository is left as it is), its dependencies installed in a
    virtualenv there, and its own Procfile's web line run from that tree, bound to
    loopback (gunicorn's --bind overrides its settings file)."""
    tree = work / f"rev-{revision}"
    print(f"{revision}: unpacking and installing (a minute or two)", file=sys.stderr, flush=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
    subprocess.run([str(tree / ".venv/bin/python"), "-m", "pip", "install", "--quiet", "-e", f"{tree}[local]"], check=True)
    web = dict(row.split(":", 1) for row in (tree / "Procfile").read_text().splitlines() if ":" in row)["web"].strip()
    inner = f"cd {shlex.quote(str(tree))} && PATH={shlex.quote(str(tree / '.venv/bin'))}:$PATH exec {web} --bind 127.0.0.1:$PORT"
    return f"sh -c {shlex.quote(inner)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", action="append", default=[])
    parser.add_argument("--revision", action="append", default=[], help="a git revision of this repository")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--seconds", type=int, default=10, help="length of one run")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    if not args.command and not args.revision:
        parser.error("give at least one --command or --revision")
    work = Path(tempfile.mkdtemp(prefix="signpost-servers-"))
    try:
        candidates = {revision: revision_command(revision, work) for revision in args.revision}
    except (subprocess.CalledProcessError, KeyError, OSError) as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise SystemExit(f"could not set up a revision to run: {exc}") from None
    candidates.update(c.split("=", 1) if "=" in c.split(" ", 1)[0] else (c, c) for c in args.command)
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
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
    servers: dict[tuple[str, str], dict] = {}
    per_round, first = 60_000, 0
    try:
        for label, command in candidates.items():
            for kind in ("line", "bare"):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                process, startup = start(
                    bound(command.replace(LINE_APP, LINE_APP if kind == "line" else BARE_APP), port),
                    {**env, "PORT": str(port), "PUBLIC_BASE_URL": base},
                    port,
                )
                servers[label, kind] = {"process": process, "port": port, "base": base, "runs": []}
            line = servers[label, "line"]
            step_url = first_step_url(line["base"])
            # The line dedupes deliveries: a fresh list each round (and one to warm up).
            for kind, lists in (("line", 1 + args.rounds), ("bare", 1)):
                server = servers[label, kind]
                server["lists"] = []
                for r in range(lists):
                    path = work / f"{len(servers)}-{kind}-{r}.tsv"
                    count = per_round if kind == "line" else 3 * per_round
                    write_requests(signed_requests(server["base"], count, step_url, first=first), path)
                    first += count
                    server["lists"].append(path)
                wrk(server["port"], server["lists"].pop(0) if kind == "line" else server["lists"][0], args.connections, 2)
        ratios = {label: [] for label in candidates}
        for r in range(args.rounds):
            for label in candidates:
                line, bare = servers[label, "line"], servers[label, "bare"]
                ours = wrk(line["port"], line["lists"][r], args.connections, args.seconds)
                theirs = wrk(bare["port"], bare["lists"][0], args.connections, args.seconds)
                line["runs"].append(ours)
                bare["runs"].append(theirs)
                ratios[label].append(ours["rps"] / theirs["rps"])
                print(
                    f"round {r + 1}/{args.rounds} {label}: line {ours['rps']:.0f} req/s p99 {ours['p99_ms']:.1f} ms"
                    f" errors {ours['errors']}; bare {theirs['rps']:.0f} req/s p99 {theirs['p99_ms']:.1f} ms;"
                    f" ratio {ratios[label][-1]:.2f}",
                    file=sys.stderr,
                    flush=True,
                )
        rss = {key: worker_rss_mb(server["process"]) for key, server in servers.items()}
    finally:
        stop(servers.values(), redis_server)
        shutil.rmtree(work, ignore_errors=True)

    print(f"{args.connections} connections, {args.workers} workers, {args.rounds} rounds of {args.seconds}s taken in turns; median (range)")
    for label in candidates:
        line, bare = servers[label, "line"], servers[label, "bare"]
        print(
            f"{label}\n  ratio {spread(ratios[label], 2)}"
            f"\n  line: {spread([r['rps'] for r in line['runs']], 0)} req/s, "
            f"p50 {spread([r['p50_ms'] for r in line['runs']], 1)} ms, "
            f"p99 {spread([r['p99_ms'] for r in line['runs']], 1)} ms, "
            f"errors {sum(r['errors'] for r in line['runs'])}, worker RSS {rss[label, 'line']} MB"
            f"\n  bare: {spread([r['rps'] for r in bare['runs']], 0)} req/s, "
            f"p99 {spread([r['p99_ms'] for r in bare['runs']], 1)} ms, worker RSS {rss[label, 'bare']} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
