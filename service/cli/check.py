"""``signpost check [PACK_DIR]``: is this pack fit to publish?

Prints every error and warning with its file, line and item, then the items a
human must confirm and the review-by dates, then one summary line. Exits 1 on
any error, so an editor's script or CI can stop a broken pack.
"""

from __future__ import annotations

import argparse
import datetime as dt

from flows.check import Report, check_pack
from messages import DEFAULT_PACK_DIR, EVALUATION_SET


def cmd_check(args: argparse.Namespace) -> int:
    report = check_pack(args.pack_dir, today=args.today, cases=args.cases)
    print_report(report)
    return 0 if report.ok else 1


def print_report(report: Report) -> None:
    for problem in report.errors:
        print(f"error: {problem}")
    for problem in report.warnings:
        print(f"warning: {problem}")
    if not report.loaded:
        print("The pack does not load: fix the errors above, then check again for the rest.")
    if report.to_confirm:
        print(f"\nNeeds confirmation by a reviewer ({len(report.to_confirm)}):")
        for listed in report.to_confirm:
            print(f"  {listed.item} ({listed.where})" + (f": {listed.note}" if listed.note else ""))
    if report.review_by:
        print("\nReview by:")
        for day, listed in report.review_by:
            print(f"  {day.isoformat()}  {listed.item} ({listed.where})")
    if report.speech_seconds:
        print(f"\nSpoken, in seconds at {report.words_per_minute:g} words a minute:")
        for ref, seconds in report.speech_seconds.items():
            print(f"  {seconds:4d}  {ref}")
    if report.understanding:
        print("\nUnderstanding free text (the evaluation set):")
        for line in report.understanding.lines():
            print(f"  {line}")
    print(f"\n{report.summary()}")


def register(commands) -> None:
    check = commands.add_parser("check", help="check a content pack before publishing it")
    check.add_argument(
        "pack_dir", nargs="?", default=str(DEFAULT_PACK_DIR), metavar="PACK_DIR", help="the pack's folder (default: the shipped pack)"
    )
    check.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="judge review-by dates as of this day (default: today)",
    )
    check.add_argument(
        "--cases",
        default=str(EVALUATION_SET),
        metavar="FILE",
        help="texts labelled with the page a person expects, to measure the pack's examples against (default: the shipped evaluation set)",
    )
    check.set_defaults(handler=cmd_check)
