"""Real traffic for the console's tests: signed webhooks, a follow-up the worker sends
to the fake Twilio API, and Twilio's delivery report, so every counter the usage
page reads was written by the line itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.line import Line
from tests.support import Twilio, run_followups

OTHER_TEXTER = "+447400765432"
FLOODER = "+447400111222"
ACCOUNT = "AC" + "0" * 32
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Traffic:
    """What the traffic should have counted today."""

    sms_conversations: int = 3
    voice_conversations: int = 3
    opt_outs: int = 1
    opt_ins: int = 1
    flooded: int = 1


def followup_config(config, fake_twilio):
    return config.with_(
        account_sid=ACCOUNT, from_number="+447700900100", public_base_url="", api_base_url=fake_twilio.url, sms_replies_per_hour=4
    )


def make_traffic(twilio: Twilio, line: Line, fake_twilio) -> Traffic:
    """Texts, an opt-out and back, a flooded texter, two calls, one asking for a text."""
    for body in ("hi", "1", "STOP", "START"):
        twilio.sms(body)
    twilio.sms("helpline", sender=OTHER_TEXTER)
    for body in ("hi", "2", "3", "4", "5"):  # the reply limit is 4 an hour: the 5th is held back
        twilio.sms(body, sender=FLOODER)
    call = twilio.call_start()
    call.press("2")
    twilio.call_start(from_="").press("1").press("1")  # a withheld caller: "what to do", then by text
    asking = twilio.call_start()
    asking.press("1").press("1")  # the steps, by text: the caller's own mobile
    asking.press("1")  # "press 1 to confirm"
    run_followups(line)
    [sent] = fake_twilio.messages
    twilio.post("/sms/status", {"MessageSid": sent.answer["sid"], "MessageStatus": "delivered", "AccountSid": ACCOUNT})
    return Traffic()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# A week as the line might see it: per day, people by channel, pages read, and what
# became of the follow-up texts asked for (half of them not delivered).
WEEK_PEOPLE = {"sms": (22, 25, 19, 30, 27, 14, 9), "whatsapp": (5, 6, 4, 7, 6, 3, 2), "voice": (6, 7, 5, 8, 7, 4, 3)}
WEEK_PAGES = {
    "sms:main": 60,
    "sms:steps": 48,
    "sms:helplines": 35,
    "sms:signs": 22,
    "sms:links": 18,
    "whatsapp:main": 20,
    "whatsapp:steps": 14,
    # Heard at least as often as callers chose from it or hung up there.
    "voice:voice_main": 60,
    "voice:steps": 25,
    "voice:helplines": 12,
}
WEEK_FOLLOWUPS = {
    "followup:queued": 12,
    "followup:sent": 12,
    "followup:delivered": 6,
    "followup:undelivered:30003": 4,
    "followup:undelivered:30005": 1,
    "followup:failed:30008": 1,
}
WEEK_EVENTS = {"sms:opt_out": 3, "sms:opt_in": 1, "sms:flooded": 15}
# Where calls ended, the pages callers asked to have texted, and were put through from,
# and whether the helpline answered (Twilio's word, at the end of each put-through).
WEEK_CALLS = {
    "voice:ended:voice_main": 5,
    "voice:ended:steps": 9,
    # As many asked for by text from pages as the follow-ups above: the call paths and the
    # summary count the same texts.
    "voice:text:steps": 8,
    "voice:text:helplines": 4,
    "voice:through:helplines": 4,
    "voice:through_ended:completed": 3,
    "voice:through_ended:no-answer": 1,
}


def spread(total: int, n: int, days: int) -> int:
    """Day ``n``'s share of ``total`` spread over ``days`` days, the days adding up to it."""
    return total // days + (1 if n < total % days else 0)


def seed_weeks(client, pack: str, today, weeks: int = 2) -> dict:
    """Counts for the ``weeks`` weeks before today, written to the keys the line's own
    counters use, the week before a little quieter. Returns this week's totals."""
    import datetime as dt

    from service.state import keys

    totals: dict = {}
    pipe = client.pipeline(transaction=False)
    for week in range(weeks):
        share = 1.0 if week == 0 else 0.8
        for n in range(7):
            day = today - dt.timedelta(days=1 + n + 7 * week)
            events = {f"{c}:conversation": round(v[n] * share) for c, v in WEEK_PEOPLE.items()}
            if n < 6:  # the week's follow-ups, opt-outs, floods and calls, spread over its six whole days
                events |= {k: spread(round(v * share), n, 6) for k, v in {**WEEK_FOLLOWUPS, **WEEK_EVENTS, **WEEK_CALLS}.items()}
            pages = {k: max(1, round(v * share / 7)) for k, v in WEEK_PAGES.items()}
            for field, count in events.items():
                if count:
                    pipe.hincrby(keys.events(pack, day), field, count)
            for field, count in pages.items():
                pipe.hincrby(keys.stats(pack, day), field, count)
            if week == 0 and n < 6:  # this week is today and the six days before it
                for field, count in events.items():
                    totals[field] = totals.get(field, 0) + count
    pipe.execute()
    return totals
