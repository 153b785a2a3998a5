"""``signpost chat``: text the line from a terminal, before any texter does.

The same pack, flows and renderer as the webhook, with the session held in
memory (no Redis, no Twilio): each reply is shown exactly as it would be sent,
with the parts it costs and its encoding. Reads lines from standard input, so a
conversation can be piped in; ends cleanly at the end of input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from flows import Event, EventKind, Session, gsm, step
from flows.model import Effect
from flows.pack import PackError, load_pack
from flows.phones import e164
from messages import DEFAULT_PACK_DIR
from service.cli.call import moment


def cmd_chat(args: argparse.Namespace) -> int:
    try:
        pack = load_pack(args.pack)
    except PackError as exc:
        print(f"signpost: {exc}", file=sys.stderr)
        return 2
    caller = ""
    if args.sender:
        caller = e164(args.sender, pack.region) or ""
        if not caller:
            print(f"signpost: --from {args.sender!r} is not a phone number", file=sys.stderr)
            return 2
    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (arrow keys and history at the prompt)
        except ImportError:
            pass
        print(f"Texting the {pack.id} line. Type a message and press Enter; Ctrl-D ends.")
    session = Session(channel="sms")
    while True:
        try:
            text = input("you> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            print()
            break
        if not text.strip():
            continue
        if not interactive:
            print(f"you> {text}")
        at = args.at or dt.datetime.now(dt.timezone.utc)
        event = Event(EventKind.TEXT, text, at=at, caller=caller)
        reply, session = step(pack, session, event)
        print(show(reply.text, reply.effect))
    return 0


def show(text: str, effect: str | None = None) -> str:
    """A reply as the texter's phone shows it, and what it costs."""
    lines = text.splitlines() or [""]
    shown = [f"line> {lines[0]}", *(f"      {line}" for line in lines[1:])]
    encoding = "GSM-7" if gsm.is_gsm(text) else "UCS-2"
    length = gsm.septets(text) if gsm.is_gsm(text) else len(text.encode("utf-16-le")) // 2
    parts = gsm.segments(text)
    note = f"      [{parts} part{'' if parts == 1 else 's'}, {encoding}, {length} characters"
    if effect == Effect.OPT_OUT:
        note += "; opted out of follow-up texts"
    elif effect == Effect.OPT_IN:
        note += "; opted back in"
    return "\n".join(shown + [note + "]", ""])


def register(commands) -> None:
    chat = commands.add_parser("chat", help="text the line from this terminal (no Twilio, no Redis)")
    chat.add_argument("--pack", metavar="DIR", default=str(DEFAULT_PACK_DIR), help="the pack's folder (default: the shipped pack)")
    chat.add_argument("--from", dest="sender", metavar="NUMBER", help="the number to text from, as a texter would (not stored)")
    chat.add_argument(
        "--at", type=moment, default=None, help="pretend it is this time, e.g. 2026-12-25T23:00 (UTC): pages name who is open then"
    )
    chat.set_defaults(handler=cmd_chat)
