"""POST /sms/status: Twilio's delivery callback, signed, recorded by hash, always 200."""

import requests

from flows.model import FollowUp, FollowUpOutcome
from service.followups import asking as followups
from service.followups.delivery import message_key
from service.state import keys
from service.line import Line
from tests.support import TEXTER, run_followups

SID = "SM" + "a" * 32


def status(twilio, sid=SID, message_status="delivered", **extra):
    params = {
        "MessageSid": sid,
        "MessageStatus": message_status,
        "To": TEXTER,
        "From": "+447700900100",
        "AccountSid": "AC" + "0" * 32,
        **extra,
    }
    return twilio.post("/sms/status", params)


def stored(redis_client, sid=SID) -> dict:
    return {k.decode(): v.decode() for k, v in redis_client.hgetall(message_key(sid)).items()}


def test_a_status_is_recorded_by_hash_of_the_message(twilio, redis_client):
    assert status(twilio, message_status="sent").status_code == 200
    assert status(twilio, message_status="undelivered", ErrorCode="30003").status_code == 200
    record = stored(redis_client)
    assert set(record) == {"sent", "undelivered", "error_code"}
    assert record["error_code"] == "30003"
    assert 0 < redis_client.ttl(message_key(SID)) <= keys.RECORD_TTL


def test_statuses_arriving_out_of_order_are_all_kept(twilio, redis_client):
    status(twilio, message_status="delivered")
    status(twilio, message_status="sent")  # late
    assert {"delivered", "sent"} <= set(stored(redis_client))


def test_the_number_and_the_sid_are_not_stored(twilio, redis_client):
    status(twilio, ErrorCode="30005")
    for key in redis_client.scan_iter():
        assert SID.encode() not in key
        values = b" ".join(v for kv in redis_client.hgetall(key).items() for v in kv)
        assert TEXTER.encode() not in values and TEXTER[1:].encode() not in values
        assert SID.encode() not in values


def test_unsigned_status_gets_403(live, redis_client):
    response = requests.post(live.url + "/sms/status", data={"MessageSid": SID, "MessageStatus": "delivered"}, timeout=5)
    assert response.status_code == 403
    assert not redis_client.exists(message_key(SID))


def test_junk_still_gets_200(twilio):
    assert twilio.post("/sms/status", {}).status_code == 200
    assert status(twilio, message_status="<script>", ErrorCode="DROP TABLE").status_code == 200


def test_redis_down_still_gets_200(serve, config, redis_client):
    from tests.support import Twilio

    server = serve(config.with_(redis_url="redis://127.0.0.1:9/0"))
    assert status(Twilio(server.url)).status_code == 200


def test_the_callback_lands_beside_the_follow_up_it_reports(config, fake_twilio, twilio, redis_client):
    line = Line.start(config.with_(account_sid="AC" + "0" * 32, from_number="+447700900100", api_base_url=fake_twilio.url))
    assert followups.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == FollowUpOutcome.QUEUED
    run_followups(line)
    record = {k.decode(): v.decode() for k, v in redis_client.hgetall(followups.record_key("CA1:links")).items()}
    # Twilio's answer to the create carried the sid its callbacks will name.
    sid = fake_twilio.messages[0].answer["sid"]
    assert message_key(sid).endswith(record["message"])
    status(twilio, sid=sid, message_status="delivered")
    assert stored(redis_client, sid)["followup"] == followups.followup_id("CA1:links")
    assert "delivered" in stored(redis_client, sid)
