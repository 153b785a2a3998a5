"""``signpost review [PACK_DIR]``: the content review record a partnership signs.

Every page, texted and spoken, as the line sends and says it, with its reader,
sources, what needs confirming and the safety rules it passed (``flows.review``).
Written to stdout, or to ``--out FILE``. Exits 1 when a page breaks a safety rule.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from flows import safety
from flows.pack import PackError, load_pack
from flows.evaluation import load_cases
from flows.review import record
from messages import DEFAULT_PACK_DIR, EVALUATION_SET
from service.cli import say


def cmd_review(args: argparse.Namespace) -> int:
    try:
        pack = load_pack(args.pack_dir)
    except PackError as exc:
        say(f"{exc}\nrun signpost check for the whole report")
        return 1
    text = record(pack, args.today, load_cases(EVALUATION_SET) if EVALUATION_SET.is_file() else [])
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        say(f"review record written to {args.out}")
    else:
        print(text)
    return 1 if safety.findings(pack) else 0


def register(commands) -> None:
    review = commands.add_parser("review", help="the content review record of a pack, to read and sign")
    review.add_argument(
        "pack_dir", nargs="?", default=str(DEFAULT_PACK_DIR), metavar="PACK_DIR", help="the pack's folder (default: the shipped pack)"
    )
    review.add_argument("--out", metavar="FILE", help="write the record here (Markdown) instead of printing it")
    review.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="the date the record gives (default: today)",
    )
    review.set_defaults(handler=cmd_review)
