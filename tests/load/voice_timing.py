"""How long a caller listens: seconds per turn of the real voice line, spoken.

    make voice-timing      (or: .venv/bin/python tests/load/voice_timing.py --help)

Serves the real app (signatures checked, a real Redis of its own unless REDIS_URL
is set), places calls through it as Twilio would (signed webhooks, following each
<Gather action>), and times every <Say> of every answer on its own, as Twilio
plays them: with espeak-ng (en-GB, 150 words a minute; Polly's neural voices
speak at about that rate) where it is installed, otherwise by counting words at
150 a minute. It says which it used. Slower speech is timed at the rate the
<prosody> asks for.

It prints, for a weekday at 11:00 (the helpline open) unless --at says otherwise:
- the end of the 999 sentence;
- when each main-menu option and each common key has been offered;
- the Professionals Online Safety Helpline number on its fastest path: from the
  call's start, pressing the helpline key as soon as its offer ends, to the end of
  the number; and from that key press to the end of the number;
- every place on the menu, whole turn, at normal and slower speed.

A key press is taken to arrive the moment the offer's last word ends, and a number
to be read when its last digit ends; the network and Twilio's own latency are not
counted. A whole turn counts each <Say> with the pause espeak-ng leaves after it.
"""

from __future__ import annotations

import argparse
import logging
import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import array
import wave
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.pack import load_pack  # noqa: E402
from messages import DEFAULT_PACK_DIR  # noqa: E402
from service.config import Config  # noqa: E402
from tests.support import AUTH_TOKEN, SECRET_KEY, LiveServer, Twilio  # noqa: E402

from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from service.web.app import create_app  # noqa: E402
from service.web.voice import CLOCK  # noqa: E402

WORDS_PER_MINUTE = 150
# A weekday morning in November (UTC is UK time then): the helpline is open.
WEEKDAY_11AM = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.timezone.utc)
POSH_SPOKEN = "0 3 4 4, 3 8 1, 4 7 7 2"
TARGET_TO_NUMBER, TARGET_KEY_TO_NUMBER = 20.0, 8.0
# Said at the first menu, and the number each caller must hear, read as digits (FACTS.md,
# section 8: words of crisis get Samaritans' number within 12 seconds of the words).
SPOKEN_NEEDS = [
    ("crisis", "I want to kill myself", "Samaritans", "1 1 6, 1 2 3"),
    ("child", "someone is blackmailing me and I am 14", "Childline", "0 8 0 0, 1 1 1 1"),
    ("parent", "my son is being blackmailed", "the NSPCC", "0 8 0 8, 8 0 0, 5 0 0 0"),
]
TARGET_SPOKEN_TO_NUMBER = 12.0


# --- what a <Say> sounds like -------------------------------------------------


def say_text(say: ET.Element) -> tuple[str, float]:
    """The words of one <Say> as a voice speaks them, and its rate (1.0 is normal).

    SSML is honoured as far as timing needs: <say-as interpret-as="digits"> is read
    digit by digit (written spaced, which any engine reads so), <prosody rate> slows it.
    """
    rate = 1.0
    parts: list[str] = []

    def walk(node: ET.Element) -> None:
        nonlocal rate
        if node.tag == "prosody" and (node.get("rate") or "").endswith("%"):
            rate = float(node.get("rate")[:-1]) / 100
        if node.tag == "say-as" and node.get("interpret-as") in ("digits", "characters", "spell-out"):
            parts.append(" ".join((node.text or "").replace(" ", "")))
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not say:
            parts.append(node.tail or "")

    walk(say)
    return " ".join("".join(parts).split()), rate


class Clock:
    """Seconds to say a text: espeak-ng when installed, else words per minute."""

    def __init__(self, engine: str, why: str = "espeak-ng is not installed"):
        self.engine, self.why = engine, why
        self.tmp = Path(tempfile.mkdtemp(prefix="voice-timing-"))

    @property
    def name(self) -> str:
        if self.engine == "espeak-ng":
            return f"espeak-ng (-v en-gb -s {WORDS_PER_MINUTE}), each <Say> on its own"
        return f"words per minute ({WORDS_PER_MINUTE}; {self.why})"

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one Clock per run
    def seconds(self, text: str, rate: float = 1.0, to_last_word: bool = False) -> float:
        """Seconds to say ``text``; ``to_last_word``: to the end of its last sound, not
        of the pause after it (a caller can press a key, or has the number, by then)."""
        if not text:
            return 0.0
        wpm = round(WORDS_PER_MINUTE * rate)
        if self.engine != "espeak-ng":
            return len(text.split()) * 60 / wpm
        out = self.tmp / "say.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-gb", "-s", str(wpm), "-w", str(out), text],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with wave.open(str(out)) as wav:
            frames, rate_hz = wav.getnframes(), wav.getframerate()
            if not to_last_word or wav.getsampwidth() != 2:
                return frames / rate_hz
            samples = array.array("h", wav.readframes(frames))
        # The end of the last sound: the last sample louder than 1% of full scale.
        loud = next((i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > 328), 0)
        return (loud + 1) / rate_hz


class Turn:
    """One answer of the line, each <Say> timed."""

    def __init__(self, root: ET.Element, clock: Clock):
        self.clock = clock
        self.says = [say_text(say) for say in root.iter("Say")]
        self.durations = [clock.seconds(text, rate) for text, rate in self.says]

    @property
    def seconds(self) -> float:
        return sum(self.durations)

    def until(self, pattern: str) -> float | None:
        """Seconds from the turn's start to the end of the words matching ``pattern``
        (a regular expression, within one <Say>): that <Say>'s text up to them, timed."""
        total = 0.0
        for (text, rate), seconds in zip(self.says, self.durations):
            found = re.search(pattern, text, re.IGNORECASE)
            if found:
                return total + self.clock.seconds(text[: found.end()], rate, to_last_word=True)
            total += seconds
        return None

    def until_words(self, words: str) -> float | None:
        """Seconds to the end of ``words`` inside a <Say>."""
        return self.until(re.escape(words))

    def key_for(self, pattern: str) -> str | None:
        """The key a <Say> matching ``pattern`` offers ("For helplines, press 2." -> "2")."""
        for text, _ in self.says:
            if re.search(pattern, text, re.IGNORECASE):
                found = re.search(r"press (\d|star|the star key|hash)\b", text)
                if found:
                    return {"star": "*", "the star key": "*", "hash": "#"}.get(found[1], found[1])
        return None


# --- walking the line -------------------------------------------------------------


class Line:
    def __init__(self, twilio: Twilio, clock: Clock):
        self.twilio, self.clock = twilio, clock

    def said(self, words: str) -> Turn:
        """The turn that answers ``words`` said at the first menu."""
        return Turn(self.twilio.call_start().say(words).root, self.clock)

    def walk(self, keys: list[str]) -> list[Turn]:
        call = self.twilio.call_start()
        turns = [Turn(call.root, self.clock)]
        for key in keys:
            call.press(key)
            turns.append(Turn(call.root, self.clock))
        return turns


def menu_paths(pack) -> dict[str, list[str]]:
    """Every place on the voice menu and the keys that reach it from the main menu."""
    main = pack.voice["main_menu"]
    paths, queue = {main: []}, [main]
    while queue:
        menu = pack.menus[queue.pop(0)]
        for n, option in enumerate(menu.options, 1):
            if option not in paths:
                paths[option] = paths[menu.id] + [str(n)]
                if option in pack.menus:
                    queue.append(option)
    return paths


def _offers(turn: Turn, menu, pack, out) -> None:
    for n, option in enumerate(menu.options, 1):
        node = pack.node(option)
        title = node.spoken_title or node.title
        said = turn.until(rf"{re.escape(title)}\W.*?press {n}\b|press {n}\b.*?{re.escape(title)}")
        out(f"  {n} {title:<36} {said:5.1f} s" if said is not None else f"  {n} {title:<36}   not offered")


def report(line: Line, pack, out=print) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = line.walk([])[0]
    out(f"999 sentence ends                       {start.durations[0]:5.1f} s")
    figures["999"] = start.durations[0]
    out("Main menu (the call's first turn), each offer said by:")
    _offers(start, pack.menus[pack.voice["main_menu"]], pack, out)
    slower = start.until(r"slower.*?press \d|press \d.*?slower")
    out(
        f"  slower speech offered by              {slower:5.1f} s"
        if slower is not None
        else "  slower speech                          not offered on the main menu"
    )
    out(f"  whole turn                            {start.seconds:5.1f} s")
    figures["slower"] = slower if slower is not None else float("nan")

    key = start.key_for(r"helpline")
    offered = start.until(r"helplines?\W.*?press \d\b|press \d\b.*?helpline")
    if key is None or offered is None:
        out("Helpline number: no helpline key offered at the start of a call")
        return figures
    page = line.walk([key])[-1]
    to_number = page.until_words(POSH_SPOKEN)
    if to_number is None:
        out(f"Helpline number: not said after key {key}")
        return figures
    total = offered + to_number
    figures.update(to_number=total, key_to_number=to_number)
    mark = lambda ok: "ok" if ok else "TOO SLOW"  # noqa: E731
    out(f"Helpline number, fastest path (key {key} pressed as soon as offered):")
    out(f"  key {key} offered by                      {offered:5.1f} s")
    out(
        f"  key press to end of number            {to_number:5.1f} s   "
        f"(target {TARGET_KEY_TO_NUMBER:.0f} s: {mark(to_number <= TARGET_KEY_TO_NUMBER)})"
    )
    out(f"  call start to end of number           {total:5.1f} s   (target {TARGET_TO_NUMBER:.0f} s: {mark(total <= TARGET_TO_NUMBER)})")

    for menu_id, keys in menu_paths(pack).items():
        if menu_id in pack.menus and keys:
            out(f"{pack.menus[menu_id].title} ({' '.join(keys)}), each offer said by, from its key press:")
            _offers(line.walk(keys)[-1], pack.menus[menu_id], pack, out)

    out(f"Said at the first menu: the end of the number each caller needs, from the words (target {TARGET_SPOKEN_TO_NUMBER:.0f} s):")
    for name, words, who, digits in SPOKEN_NEEDS:
        heard = line.said(words).until_words(digits)
        figures[f"spoken:{name}"] = heard if heard is not None else float("nan")
        out(
            f'  {name:<7} {who + ":":<12} {heard:5.1f} s   ({mark(heard <= TARGET_SPOKEN_TO_NUMBER)})   "{words}"'
            if heard is not None
            else f'  {name:<7} {who}: NOT SAID   "{words}"'
        )

    out("Every place, whole turn (normal / slower):")
    slow_key = start.key_for(r"slower") or "8"
    for node, keys in sorted(menu_paths(pack).items(), key=lambda item: item[1]):
        if not keys:
            continue
        normal = line.walk(keys)[-1]
        slow = line.walk([slow_key] + keys)[-1]
        # The page's own first words: not the 999 instruction, in full or short.
        first = next((text for text, _ in normal.says if not re.search(r"\b(999|9 9 9)\.$", text)), "")
        out(f"  {' '.join(keys):<5} {node:<12} {normal.seconds:5.1f} s / {slow.seconds:5.1f} s   first: {first[:60]}")
        figures[f"page:{node}"] = normal.seconds
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", help="the time of the calls, ISO 8601 (default a weekday at 11:00 UTC)")
    parser.add_argument("--words", action="store_true", help="count words even if espeak-ng is installed")
    args = parser.parse_args()
    at = dt.datetime.fromisoformat(args.at) if args.at else WEEKDAY_11AM
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line a request would bury the figures
    clock = Clock(
        "espeak-ng" if shutil.which("espeak-ng") and not args.words else "words",
        "asked for" if args.words else "espeak-ng is not installed",
    )

    server = None
    url = os.environ.get("REDIS_URL")
    if not url:
        server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="voice-timing-redis-")), persist=False)
        server.start()
        url = server.url
    live = None
    try:
        app = create_app(Config(redis_url=url, auth_token=AUTH_TOKEN, secret_key=SECRET_KEY))
        app.config[CLOCK] = lambda: at
        live = LiveServer(app)
        print(f"Voice line timing at {at.isoformat()}, timed by {clock.name}")
        report(Line(Twilio(live.url), clock), load_pack(DEFAULT_PACK_DIR))
    finally:
        if live is not None:
            live.stop()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
