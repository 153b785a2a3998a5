"""After follow-ups have run, whatever their outcome, no phone number remains in Redis or the logs."""

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups
from service.line import Line
from tests.fake_twilio import created, refused, server_error, slow, too_many
from tests.support import TEXTER, every_redis_byte, run_followups

NUMBERS = ["+447400123456", "+447400200001", "+447400200002", "+447400200003", "+447400200004", "+447400200005"]


def number_forms(e164: str) -> list[str]:
    return [e164, e164[1:], "0" + e164[3:], e164[-10:]]


def test_no_number_remains_in_redis_or_logs_after_every_outcome(config, fake_twilio, twilio, redis_client, captured_logs):
    line = Line.start(
        config.with_(
            account_sid="AC" + "0" * 32,
            from_number="+447700900100",
            public_base_url="https://line.example.org",
            api_base_url=fake_twilio.url,
            followup_retry_seconds=2,
            followup_send_timeout=0.5,
        )
    )
    # sent; opted out at the carrier; 5xx; 429 until giving up; refused; too slow
    fake_twilio.script(created(), refused(21610), server_error(), *[too_many() for _ in range(5)])
    for i, number in enumerate(NUMBERS[:4]):
        assert followups.request(line, FollowUp("followup", number), job_id=f"CA{i}") == FollowUpOutcome.QUEUED

    queued = every_redis_byte(redis_client)
    assert b"takeitdown.ncmec.org" in queued  # the scan does see inside queued jobs...
    for number in NUMBERS:
        assert number.encode() not in queued  # ...and the number in them is sealed

    run_followups(line)
    fake_twilio.script(refused(21211), slow(1.5))
    for i, number in enumerate(NUMBERS[4:], start=4):
        assert followups.request(line, FollowUp("followup", number), job_id=f"CA{i}") == FollowUpOutcome.QUEUED
    run_followups(line)
    sid = fake_twilio.messages[0].answer["sid"]
    twilio.post("/sms/status", {"MessageSid": sid, "MessageStatus": "delivered", "To": NUMBERS[0]})
    twilio.sms("STOP")

    outcomes = {followups.followup_id(f"CA{i}"): redis_client.hget(followups.record_key(f"CA{i}"), "outcome") for i in range(len(NUMBERS))}
    assert sorted(o.decode() for o in outcomes.values()) == sorted(["sent", "opted_out", "uncertain", "gave_up", "refused", "uncertain"])

    stored = every_redis_byte(redis_client)
    assert not list(redis_client.scan_iter("rq:job:*"))  # every job is gone, not just scrubbed
    logs = "\n".join(r.getMessage() for r in captured_logs.records)
    logs += "\n".join(str(v) for r in captured_logs.records for v in vars(r).values())
    assert stored and logs
    for number in set(NUMBERS + [TEXTER]):
        for form in number_forms(number):
            assert form.encode() not in stored, form
            assert form not in logs, form
