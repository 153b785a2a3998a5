"""Does the time the voice line takes to answer "text me" tell whether the number texted STOP?

    .venv/bin/python tests/load/followup_timing.py [--calls 30]

Starts Redis and the Procfile's web line on loopback. One number texts STOP. Then, in
turn, ``--calls`` calls each key that opted-out number, a number never used, and a number
whose texts for the day are used up, and confirm it: the confirming webhook is timed, as
anyone able to send signed webhooks could time it. Prints each kind's median and spread
in milliseconds, and in how many rounds the three were told different words.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from tests.load.slow_clients import TOKEN, procfile_web, web_server  # noqa: E402
from tests.support import Twilio  # noqa: E402

OPTED_OUT, USED_UP = "+447400550000", "+447400550001"


def national(number: str) -> str:
    return "0" + number.removeprefix("+44")


def confirm(twilio: Twilio, caller: str, number: str) -> tuple[float, tuple[str, ...]]:
    """One call asking for the links by text to ``number``: the confirm step's time and words."""
    call = twilio.call_start(from_=caller).say("text me the links")
    if "ending" in call.text:  # a mobile caller is offered their own number first
        call.press("2")
    call.press(national(number))
    began = time.perf_counter()
    call.press("1")
    took = time.perf_counter() - began
    return took * 1000, tuple(line for line in call.said if "press" not in line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    # Room under the line's hourly ceiling for every call (past it all three hear "busy").
    os.environ["SIGNPOST_FOLLOWUPS_PER_HOUR"] = str(3 * args.calls + 10)
    with tempfile.TemporaryDirectory() as state:
        redis_server = EmbeddedRedis(Path(state) / "redis", persist=False)
        redis_server.start()
        try:
            with web_server(procfile_web(), redis_server.url, state) as port:
                twilio = Twilio(f"http://127.0.0.1:{port}", auth_token=TOKEN)
                twilio.sms("STOP", sender=OPTED_OUT)
                for _ in range(3):  # the default allowance: three texts a number a day
                    confirm(twilio, "anonymous", USED_UP)
                times: dict[str, list[float]] = {"opted out": [], "never used": [], "used up": []}
                differ = 0  # rounds in which the three were not told the same words
                for n in range(args.calls):
                    # Interleaved, so a drift in the machine's load falls on all three alike
                    # (and, past the line's hourly ceiling, all three are told it is busy).
                    said = set()
                    for kind, number in (("opted out", OPTED_OUT), ("never used", f"+4474006{n:05d}"), ("used up", USED_UP)):
                        took, words = confirm(twilio, f"+4474009{n:05d}", number)
                        times[kind].append(took)
                        said.add(words)
                    differ += len(said) > 1
        finally:
            redis_server.stop()
    print(f"the confirming webhook, {args.calls} calls of each kind (ms):")
    for kind, took in times.items():
        q = statistics.quantiles(took, n=10)
        print(f"  {kind:<11} median {statistics.median(took):6.1f}   10th {q[0]:6.1f}   90th {q[-1]:6.1f}")
    print(f"the words said: different in {differ} of {args.calls} rounds")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
