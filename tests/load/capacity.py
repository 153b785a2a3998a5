"""What one webhook costs Redis, and what that means for 1, 10 and 150 partnerships.

    make capacity        (or: .venv/bin/python tests/load/capacity.py --help)

Starts a Redis of its own and runs the real app in this process (Flask's test
client: no HTTP, so nothing but the webhook's own work reaches Redis). For SMS
turns and for voice starts and steps it reads Redis's own accounts before and
after many distinct webhooks: INFO commandstats (calls and server microseconds
per command, the Lua scripts' time included in EVALSHA's), INFO stats (bytes in
and out), INFO cpu (Redis's whole CPU time, network handling included) and
used_memory once every conversation's keys are written. It prints each per
webhook, then the capacity table: what one Redis can take, from its CPU time per
webhook, against what the partnerships would ask of it at their busiest hour.

The web worker's figure is not measured here: it is ``make bench``'s (README,
"Performance"), passed in with --web-per-worker.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.config import Config  # noqa: E402
from service.state.embedded_redis import EmbeddedRedis  # noqa: E402
from service.web.app import create_app  # noqa: E402

LINE = "+441234567890"
TEXTS = ["hi", "1", "0", "helpline", "3"]  # a short conversation by text
KEYS = ["2", "9", "*", "3"]  # a short call: helplines, repeat, back, warning signs


@dataclass
class Cost:
    webhooks: int
    commands: dict[str, tuple[float, float]]  # command -> (calls, usec) per webhook
    bytes_in: float
    bytes_out: float
    cpu_us: float  # Redis's CPU time (user + sys) per webhook, network handling included

    def line(self, name: str) -> str:
        # Redis 7 counts the commands a script runs as well as the script: EVALSHA is the
        # one round trip, its time includes theirs, and they are listed after it.
        script = self.commands.get("evalsha", (0.0, 0.0))
        inner = ", ".join(f"{cmd} {c:.1f}" for cmd, (c, _) in sorted(self.commands.items()) if cmd != "evalsha")
        return (
            f"{name:<12} {self.webhooks:>5} webhooks | per webhook: {script[0]:.2f} EVALSHA, "
            f"Lua {script[1]:.0f} us (running {inner}) | in {self.bytes_in:.0f} B, "
            f"out {self.bytes_out:.0f} B | Redis CPU {self.cpu_us:.0f} us"
        )


class Accounts:
    """Redis's INFO, read before and after a batch of webhooks."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def snapshot(self) -> dict:
        stats = self.client.info("stats")
        cpu = self.client.info("cpu")
        return {
            "commands": {k.removeprefix("cmdstat_"): (v["calls"], v["usec"]) for k, v in self.client.info("commandstats").items()},
            "in": stats["total_net_input_bytes"],
            "out": stats["total_net_output_bytes"],
            "cpu": cpu["used_cpu_user"] + cpu["used_cpu_sys"],
        }

    def cost(self, before: dict, after: dict, webhooks: int) -> Cost:
        commands = {}
        for name, (calls, usec) in after["commands"].items():
            was_calls, was_usec = before["commands"].get(name, (0, 0))
            if name == "info" or calls - was_calls <= webhooks / 100:
                continue  # this script's own reading, or a client's one-off set-up (HELLO, SCRIPT LOAD)
            commands[name] = ((calls - was_calls) / webhooks, (usec - was_usec) / webhooks)
        # The INFO calls themselves are a few hundred bytes each way: left in, they round away.
        return Cost(
            webhooks,
            commands,
            (after["in"] - before["in"]) / webhooks,
            (after["out"] - before["out"]) / webhooks,
            (after["cpu"] - before["cpu"]) * 1e6 / webhooks,
        )


def texts(client, conversations: int) -> int:
    sent = 0
    for n in range(conversations):
        texter = f"+4474{n:08d}"
        for i, body in enumerate(TEXTS):
            answer = client.post("/sms", data={"From": texter, "To": LINE, "Body": body, "MessageSid": f"SM{n:016d}{i:016d}"})
            assert answer.status_code == 200
            sent += 1
    return sent


def call_starts(client, count: int) -> list[tuple[dict, bytes]]:
    """``count`` new calls: each one's form and the TwiML it was answered with."""
    started = []
    for n in range(count):
        form = {"CallSid": f"CA{n:032d}", "From": f"+4475{n:08d}", "To": LINE}
        answer = client.post("/voice", data=form)
        assert answer.status_code == 200
        started.append((form, answer.data))
    return started


def call_steps(client, started: list[tuple[dict, bytes]]) -> int:
    """Each started call taken through KEYS, following the action URLs as Twilio would."""
    steps = 0
    for form, twiml in started:
        for key in KEYS:
            action = ET.fromstring(twiml).find("Gather").get("action")
            answer = client.post(action, data={**form, "Digits": key})
            assert answer.status_code == 200
            twiml = answer.data
            steps += 1
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1000, help="texters, and callers, to run (default 1000)")
    parser.add_argument(
        "--web-per-worker",
        type=float,
        default=650.0,
        help="webhooks/s one web worker serves, from make bench (default 650: the README's 1,300 req/s on 2 workers, its lower end)",
    )
    parser.add_argument(
        "--per-partnership", type=int, default=200, help="conversations a partnership's line has on its busiest day (default 200)"
    )
    parser.add_argument(
        "--busiest-hour", type=float, default=0.25, help="share of a day's conversations in its busiest hour (default 0.25)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedRedis(Path(folder) / "redis", persist=False)
        url = server.start()
        try:
            client = redis.Redis.from_url(url)
            version = client.info("server")["redis_version"]
            app = create_app(Config(redis_url=url, secret_key="capacity", state_dir=folder))
            web = app.test_client()
            accounts = Accounts(client)
            results: dict[str, Cost] = {}

            def measure(name: str, run) -> object:
                before = accounts.snapshot()
                outcome = run()
                webhooks = outcome if isinstance(outcome, int) else len(outcome)
                results[name] = accounts.cost(before, accounts.snapshot(), webhooks)
                return outcome

            client.flushdb()
            used = client.info("memory")["used_memory"]
            measure("sms turn", lambda: texts(web, args.conversations))
            sms_memory = (client.info("memory")["used_memory"] - used) / args.conversations
            client.flushdb()
            used = client.info("memory")["used_memory"]
            started = measure("voice start", lambda: call_starts(web, args.conversations))
            measure("voice step", lambda: call_steps(web, started))
            call_memory = (client.info("memory")["used_memory"] - used) / args.conversations
        finally:
            server.stop()

    print(f"Redis {version}; {args.conversations} conversations a kind; texts {TEXTS}, calls: start then keys {KEYS}")
    for name, cost in results.items():
        print(cost.line(name))
    print(f"memory kept per conversation (keys live up to the 24 h retry window): text {sms_memory:.0f} B, call {call_memory:.0f} B")

    # One conversation by text is len(TEXTS) webhooks; a call is a start and len(KEYS) steps.
    per_webhook_cpu = (results["sms turn"].cpu_us + results["voice step"].cpu_us) / 2
    redis_capacity = 1e6 / per_webhook_cpu
    webhooks_per_conversation = (len(TEXTS) + 1 + len(KEYS)) / 2
    print()
    print(f"per web worker: {args.web_per_worker:.0f} webhooks/s (make bench)")
    print(
        f"per Redis: {redis_capacity:,.0f} webhooks/s (1 / its CPU time per webhook, "
        f"{per_webhook_cpu:.0f} us, one core: Redis runs commands on one thread)"
    )
    print()
    print(
        f"{'partnerships':>12} | {'conversations/day':>17} | {'busiest-hour webhooks/s':>23} | "
        f"{'web workers':>11} | {'Redis share':>11} | {'Redis memory/day':>16}"
    )
    for partnerships in (1, 10, 150):
        daily = partnerships * args.per_partnership
        peak = daily * args.busiest_hour * webhooks_per_conversation / 3600
        workers = max(2, math.ceil(peak / args.web_per_worker))  # two, so one can restart
        day_memory = daily * (sms_memory + call_memory) / 2
        print(
            f"{partnerships:>12} | {daily:>17,} | {peak:>23.2f} | {workers:>11} | "
            f"{peak / redis_capacity:>11.3%} | {day_memory / 1e6:>13.1f} MB"
        )
    per_thousand = 1000 * (sms_memory + call_memory) / 2 / 1e6
    print(f"memory per thousand conversations a day: {per_thousand:.1f} MB (half texts, half calls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
