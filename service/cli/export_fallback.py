"""``signpost export-fallback DIR``: each pack's fallback answers as static TwiML files.

Twilio calls a number's fallback URL when the line does not answer. A fallback on
the line's own host fails with it, and the caller hears Twilio's error message
instead of the 999 sentence. These files need no server of the line's at all:
any static host (an object store, a static site) serves them, and Twilio
fetches them with GET. ``signpost twilio connect --fallback-base URL`` points
the numbers there.

The TwiML comes from the same functions as the line's own fallback URLs and
the pack's own pages, so the fallback is never written a second time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.pack import PackError
from service.twilio import twiml_sms, twiml_voice
from service.cli import say
from service.config import Config, ConfigError
from service.line import load_packs
from service.twilio.numbers import fallback_file


def fallback_files(config: Config) -> dict[str, str]:
    """Relative path -> TwiML, for every pack the line serves."""
    default, by_number = load_packs(config)
    files = {}
    for pack in {p.id: p for p in [default, *by_number.values()]}.values():
        speech = twiml_voice.Speech.of(pack, config.voice)
        files[fallback_file(pack.id, "voice")] = twiml_voice.fallback(pack, speech)
        files[fallback_file(pack.id, "sms")] = twiml_sms.fallback(pack)
    return files


def cmd_export_fallback(args: argparse.Namespace) -> int:
    try:
        files = fallback_files(Config.from_env())
    except (ConfigError, PackError) as exc:
        say(str(exc))
        return 2
    folder = Path(args.dir)
    for relative, twiml in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(twiml, encoding="utf-8")
        print(target)
    say(f"{len(files)} files in {folder}: serve them over https and run signpost twilio connect --all --fallback-base URL")
    return 0


def register(commands) -> None:
    export = commands.add_parser("export-fallback", help="write each pack's fallback answers as static TwiML files")
    export.add_argument("dir", help="folder to write PACK_ID/voice.xml and PACK_ID/sms.xml into")
    export.set_defaults(handler=cmd_export_fallback)
