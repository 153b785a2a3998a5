"""``signpost call``: walk the voice line in a terminal, as a caller would, before publishing.

The same pack and the same flows as a real call, without Twilio or Redis: each
turn prints what the line would say (999 instruction included), a line of keys is
pressed (digits, ``*``, ``#``), any other line is taken as speech, and an empty
line is silence. Transfers and texts are shown, not made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from flows import Event, EventKind, Services, Session, step
from flows.model import FollowUp, FollowUpOutcome, VoiceReply
from flows.pack import PackError, load_pack
from flows.phones import DEFAULT_TEXT_REGIONS, classify, mask
from flows.render import voice_turn
from messages import DEFAULT_PACK_DIR
from service.config import Config, ConfigError

KEYS = frozenset("0123456789*#")


def event_for(line: str, caller: str, at: dt.datetime) -> Event:
    text = line.strip()
    if not text:
        return Event(EventKind.SILENCE, at=at, caller=caller)
    if all(c in KEYS for c in text.replace(" ", "")):
        # Twilio leaves out the key that ends a number (#); so does this.
        return Event(EventKind.DIGITS, text.replace(" ", "").rstrip("#") or "#", at=at, caller=caller)
    return Event(EventKind.SPEECH, text, at=at, caller=caller)


def show(reply: VoiceReply, out) -> None:
    tone = " (slowly)" if reply.slow else ""
    for text in voice_turn(reply.say, reply.first_words, reply.reader):
        print(f"  line{tone}: {text}", file=out)
    if reply.dial:
        print(f"  [transfer: the call is put through to {reply.dial}]", file=out)
    if reply.hangup:
        print("  [the line hangs up]", file=out)
    elif reply.listen == "number":
        print("  [listening: keys, then #]", file=out)
    elif reply.listen:
        print("  [listening: a key, or words; an empty line is silence]", file=out)


def cmd_call(args: argparse.Namespace) -> int:
    try:
        pack = load_pack(args.pack)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 2
    if pack.voice_main is None:
        print(f"signpost: pack {pack.id} has no [voice] table: it offers no voice line", file=sys.stderr)
        return 2
    out, caller = sys.stdout, args.from_
    clock = (lambda: args.at) if args.at else _now
    print(
        f"Calling the {pack.id} line from {caller or 'a withheld number'}. Type keys (1, 9, *, #) or words; end of input hangs up.",
        file=out,
    )
    try:
        regions = Config.from_env().allowed_regions
    except ConfigError:
        regions = DEFAULT_TEXT_REGIONS
    services = Services(request_followup=lambda followup: _text(pack, followup, regions, out, clock()), text_regions=regions)
    reply, session = step(pack, Session(channel="voice"), Event(EventKind.START, at=clock(), caller=caller), services)
    show(reply, out)
    while not reply.hangup:
        if sys.stdin.isatty():
            print("> ", end="", file=out, flush=True)
        line = sys.stdin.readline()
        if not line:
            print("  [end of input: the caller hangs up]", file=out)
            break
        reply, session = step(pack, session, event_for(line, caller, clock()), services)
        if reply.dial:
            show(reply, out)
            print("  [the transfer ends]", file=out)
            reply, session = step(pack, session, Event(EventKind.DIAL, "completed", at=clock(), caller=caller), services)
        show(reply, out)
    return 0


def _text(pack, followup: FollowUp, regions: tuple[str, ...], out, at: dt.datetime) -> FollowUpOutcome:
    """The flow's follow-up service here: show the text that would be sent."""
    if not classify(followup.number, pack.region).textable(regions):
        print(f"  [no text: {mask(followup.number)} cannot get texts from this line]", file=out)
        return FollowUpOutcome.NOT_ALLOWED
    print(f"  [text to {mask(followup.number)}, the {followup.topic!r} page:]", file=out)
    for text in pack.sms_page(followup.topic, at).splitlines():  # as it reads at the call's time
        print(f"    | {text}", file=out)
    return FollowUpOutcome.QUEUED


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def register(commands) -> None:
    call = commands.add_parser("call", help="walk the voice line in the terminal, as a caller would")
    call.add_argument("--pack", default=str(DEFAULT_PACK_DIR), help="content pack folder (default: %(default)s)")
    call.add_argument("--from", dest="from_", default="anonymous", help="the caller's number, e.g. +447400123456 (default: withheld)")
    call.add_argument("--at", type=moment, default=None, help="pretend it is this time, e.g. 2026-12-25T11:00 (UTC), to hear the hours")
    call.set_defaults(handler=cmd_call)


def moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (try 2026-12-25T11:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
