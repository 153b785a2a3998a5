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
    return config.with_(account_sid=ACCOUNT, from_number="+447700900100", public_base_url="",
                        api_base_url=fake_twilio.url, sms_replies_per_hour=4)


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
    twilio.post("/sms/status", {"MessageSid": sent.answer["sid"], "MessageStatus": "delivered",
                               "AccountSid": ACCOUNT})
    return Traffic()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
