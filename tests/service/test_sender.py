"""Senders (console and Twilio) and the retry schedule, on their own."""

import io
import random

import pytest

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups
from service.config import Config
from service.followups.delivery import retry_schedule
from service.line import Line
from service.twilio.sender import ConsoleSender, TwilioSender, mask, sender_for
from tests.support import TEXTER, run_followups


@pytest.mark.parametrize(
    "number, masked",
    [
        ("+447400123456", "+44 7*** ***456"),
        ("+447700900123", "+44 7*** ***123"),
        ("+353851234567", "+353 8*** ***567"),
        ("not a number", "***"),
        ("", "***"),
    ],
)
def test_mask(number, masked):
    assert mask(number) == masked


def test_without_credentials_the_console_sender_is_used():
    assert isinstance(sender_for(Config()), ConsoleSender)
    assert isinstance(sender_for(Config(account_sid="AC1", auth_token="t")), ConsoleSender)  # no sender id
    assert isinstance(sender_for(Config(account_sid="AC1", auth_token="t", from_number="+447700900100")), TwilioSender)
    assert isinstance(sender_for(Config(account_sid="AC1", auth_token="t", messaging_service_sid="MG1")), TwilioSender)


def test_the_console_sender_prints_the_text_with_the_number_masked(config, captured_logs):
    line = Line.start(config.with_(auth_token="", secret_key=""))
    out = io.StringIO()
    assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == FollowUpOutcome.QUEUED
    run_followups(line, ConsoleSender(out))
    printed = out.getvalue()
    assert "+44 7*** ***456" in printed
    assert "https://takeitdown.ncmec.org" in printed
    logs = "\n".join(r.getMessage() for r in captured_logs.records)
    for form in [TEXTER, TEXTER[1:], "0" + TEXTER[3:], TEXTER[-10:]]:
        assert form not in printed and form not in logs


def test_the_twilio_client_is_routed_to_the_api_base_url():
    sender = TwilioSender(Config(account_sid="AC1", auth_token="t", api_base_url="http://127.0.0.1:1"))
    assert sender.client.api.base_url == "http://127.0.0.1:1"
    assert TwilioSender(Config(account_sid="AC1", auth_token="t")).client.api.base_url == "https://api.twilio.com"


def test_the_retry_schedule_backs_off_with_jitter_for_about_ten_minutes():
    schedules = [retry_schedule(600, random.Random(seed)) for seed in range(50)]
    for gaps in schedules:
        assert sum(gaps) == 600
        assert 2 <= gaps[0] <= 8
        assert max(gaps) <= 180
        assert gaps[3] > gaps[0]  # grows
    assert len({tuple(g) for g in schedules}) > 40  # jobs do not come back in step


def test_a_short_window_still_retries():
    assert retry_schedule(3, random.Random(1)) == [1, 1, 1]
    assert retry_schedule(0) == []
