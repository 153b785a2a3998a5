"""After a conversation, no phone number or message body rests in Redis or the logs."""

import re

from tests.support import LINE_NUMBER, TEXTER, every_redis_byte, message_text

OTHER = "+447400765432"


def number_forms(e164: str) -> list[str]:
    national = "0" + e164[3:]
    return [e164, e164[1:], national, e164[-10:]]


def test_no_raw_number_or_body_in_redis_or_logs(twilio, redis_client, captured_logs):
    secret_body = "my pupil Zanzibarquux is being blackmailed"
    for body in ["hello", "2", secret_body, "STOP", "START", "helpline"]:
        message_text(twilio.sms(body))
        message_text(twilio.sms(body, sender=OTHER))

    stored = every_redis_byte(redis_client)
    logs = "\n".join(r.getMessage() for r in captured_logs.records)
    assert stored and logs  # there is something to search
    for number in [TEXTER, OTHER, LINE_NUMBER]:
        for form in number_forms(number):
            assert form.encode() not in stored, form
            assert form not in logs, form
    assert b"Zanzibarquux" not in stored and "Zanzibarquux" not in logs
    # Pseudonyms do appear: the logs can still follow one conversation.
    assert re.search(r"from=[0-9a-f]{10}", logs)
