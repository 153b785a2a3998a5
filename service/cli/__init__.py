"""The ``signpost`` command: one entry point for operators and editors.

Each subcommand lives in a module of its own in this package, with a
``register(commands)`` function that adds its parser.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def say(message: str) -> None:
    print(f"signpost: {message}", file=sys.stderr, flush=True)


SUBCOMMAND_MODULES = [
    "service.cli.serve",
    "service.cli.web",
    "service.cli.call",
    "service.cli.worker",
    "service.cli.check",
    "service.cli.review",
    "service.cli.chat",
    "service.cli.stats",
    "service.cli.export_fallback",
    "service.cli.twilio",
    "service.cli.users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signpost", description="Safeguarding signpost line: SMS and voice guidance over Twilio."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
