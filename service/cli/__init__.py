"""The ``signpost`` command: one entry point for operators and editors.

Each subcommand lives in a module of its own in this package, with a
``register(commands)`` function that adds its parser.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Where ``signpost serve`` (make run) says which Redis it started, so that the other
# commands use that one rather than a default nobody started.
LOCAL_REDIS_FILE = "local-redis.url"
# The commands that read or write Redis.
USES_REDIS = frozenset(["stats", "users", "worker"])
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def say(message: str) -> None:
    print(f"signpost: {message}", file=sys.stderr, flush=True)


def state_dir() -> Path:
    """The state folder: SIGNPOST_STATE_DIR, else .signpost where the command runs
    (make run runs in the checkout; an installed copy has no checkout to use)."""
    return Path(os.environ.get("SIGNPOST_STATE_DIR", ".signpost"))


def choose_redis() -> None:
    """REDIS_URL, else the Redis ``signpost serve`` started (if it is still written down),
    else the default; said on stderr, so an operator never acts on the wrong Redis."""
    if os.environ.get("REDIS_URL") or os.environ.get("REDIS_SENTINELS"):
        return
    written = state_dir() / LOCAL_REDIS_FILE
    url = written.read_text(encoding="utf-8").strip() if written.is_file() else ""
    if url:
        os.environ["REDIS_URL"] = url
        say(f"no REDIS_URL: using the Redis that signpost serve (make run) started, {url}")
    else:
        say(f"no REDIS_URL, and no Redis started by signpost serve in {state_dir()}: using {DEFAULT_REDIS_URL}")


SUBCOMMAND_MODULES = [
    "service.cli.serve",
    "service.cli.web",
    "service.cli.call",
    "service.cli.worker",
    "service.cli.check",
    "service.cli.train_risk",
    "service.cli.review",
    "service.cli.chat",
    "service.cli.stats",
    "service.cli.export_fallback",
    "service.cli.twilio",
    "service.cli.users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signpost", description="Safeguarding signpost line: SMS and voice guidance over Twilio.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in USES_REDIS:
        choose_redis()
    return args.handler(args)
