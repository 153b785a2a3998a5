"""Pictures sent to the line are deleted from their own queue, capped per sender, and
never before a follow-up text: 150 messages of 10 pictures from one flooding number
once queued 1,500 jobs ahead of a caller's text."""

import logging

import pytest
from rq import Queue

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups
from service.line import Line
from service.state import keys
from tests.support import LINE_NUMBER, TEXTER, Twilio, run_followups

ACCOUNT = "AC" + "0" * 32


@pytest.fixture
def line_config(config, fake_twilio):
    return config.with_(
        account_sid=ACCOUNT,
        from_number="+447700900100",
        public_base_url="",
        api_base_url=fake_twilio.url,
        followup_retry_seconds=3,
        followup_send_timeout=0.5,
        sms_replies_per_hour=2,
        media_deletions_per_sender_per_hour=4,
    )


def mms(twilio: Twilio, fake_twilio, n: int, pictures: int = 10, sender: str = TEXTER):
    message = f"MM{n:032x}"
    urls = {
        f"MediaUrl{i}": f"{fake_twilio.url}/2010-04-01/Accounts/{ACCOUNT}/Messages/{message}/Media/ME{n:028x}{i:04x}"
        for i in range(pictures)
    }
    return twilio.post(
        "/sms",
        {"From": sender, "To": LINE_NUMBER, "Body": "", "MessageSid": message, "AccountSid": ACCOUNT, "NumMedia": str(pictures), **urls},
    )


def test_a_flooding_sender_queues_its_hours_deletions_and_no_more_and_a_text_goes_first(serve, line_config, fake_twilio, redis_client):
    twilio = Twilio(serve(line_config).url)
    for n in range(15):
        assert mms(twilio, fake_twilio, n).status_code == 200
    media = Queue(keys.MEDIA_QUEUE, connection=redis_client)
    assert len(media.job_ids) == 4  # a job a message, four messages an hour
    assert Queue(keys.FOLLOWUP_QUEUE, connection=redis_client).count == 0
    line = Line.start(line_config)
    assert followups.request(line, FollowUp("followup", "+447400765432"), job_id="CA1:links") == FollowUpOutcome.QUEUED
    run_followups(line)
    done = [r for r in fake_twilio.requests if r.method in ("POST", "DELETE")]
    assert done[0].path.endswith("/Messages.json")  # the text, before any deletion
    assert len(fake_twilio.deleted) == 40


@pytest.mark.parametrize("path", ["/sms", "/sms/fallback"])
def test_a_count_of_pictures_too_long_to_be_a_number_is_read_as_none_not_an_error(serve, line_config, path):
    twilio = Twilio(serve(line_config).url)
    answer = twilio.post(
        path,
        {"From": TEXTER, "To": LINE_NUMBER, "Body": "hi", "MessageSid": "MM" + "1" * 32, "AccountSid": ACCOUNT, "NumMedia": "9" * 5000},
    )
    assert answer.status_code == 200


def test_many_senders_of_one_picture_each_share_the_lines_hourly_deletions(serve, line_config, fake_twilio, redis_client):
    twilio = Twilio(serve(line_config.with_(media_deletions_per_hour=5)).url)
    for n in range(8):
        assert mms(twilio, fake_twilio, n, pictures=1, sender=f"+4474009{n:05d}").status_code == 200
    assert len(Queue(keys.MEDIA_QUEUE, connection=redis_client).job_ids) == 5


def test_one_sender_past_their_own_deletions_takes_none_of_the_lines(serve, line_config, fake_twilio, redis_client):
    twilio = Twilio(serve(line_config.with_(media_deletions_per_hour=6)).url)  # 4 a sender
    for n in range(30):
        mms(twilio, fake_twilio, n, pictures=1)  # one sender: 4 queued, 26 past their own
    for n in range(2):
        mms(twilio, fake_twilio, 100 + n, pictures=1, sender=f"+4474009{n:05d}")
    assert len(Queue(keys.MEDIA_QUEUE, connection=redis_client).job_ids) == 6  # the others' too


def test_a_picture_message_delivered_again_does_not_use_up_the_hours_deletions(serve, line_config, fake_twilio, redis_client):
    twilio = Twilio(serve(line_config.with_(media_deletions_per_hour=3)).url)
    for _ in range(6):  # Twilio's retries, or a captured request sent again
        assert mms(twilio, fake_twilio, 1, pictures=2).status_code == 200
    assert len(Queue(keys.MEDIA_QUEUE, connection=redis_client).job_ids) == 1
    mms(twilio, fake_twilio, 2, pictures=2)  # a genuine new picture still has room
    assert len(Queue(keys.MEDIA_QUEUE, connection=redis_client).job_ids) == 2


def test_a_deletion_tried_again_leaves_no_sid_in_the_workers_log(serve, line_config, fake_twilio, caplog):
    """An error reaching Twilio names the media item's address, and so its SIDs (a
    MessageSid leads back to the sender's number in the account): what RQ logs of a job
    to be tried again must not."""
    unreachable = line_config.with_(api_base_url="http://127.0.0.1:9")  # nothing listens there
    twilio = Twilio(serve(unreachable).url)
    assert mms(twilio, fake_twilio, 7, pictures=1).status_code == 200
    caplog.set_level("DEBUG", logger="signpost")
    rq_log = logging.getLogger("rq.worker")  # RQ's own handler; it does not propagate
    rq_log.addHandler(caplog.handler)
    try:
        run_followups(Line.start(unreachable))
    finally:
        rq_log.removeHandler(caplog.handler)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("rq", "signpost")))
    assert "TryAgain: ConnectionError" in logged  # tried again, and RQ logged why...
    assert "not deleted (ConnectionError)" in logged  # ...until the last try
    assert f"{7:028x}" not in logged and "/Media/" not in logged  # ...with no SID or address
