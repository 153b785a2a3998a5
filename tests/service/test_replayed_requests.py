"""A signed request captured and sent again, long after Twilio delivered it.

Twilio's signature covers the URL and the fields, not the time, so a captured text
can be sent again for as long as its signature holds: for ever. A text's answer is
remembered for a day (Twilio's retries); a STOP's or a START's for good, so that a
replay cannot change the person's choice back.
"""

import subprocess
import time
from dataclasses import replace

from service.state import keys
from service.state.pseudonyms import number_id, token_id
from tests.support import SECRET_KEY, TEXTER, Twilio, message_text


def test_a_captured_start_replayed_after_a_day_does_not_undo_a_later_stop(serve, config, redis_client):
    # A day shortened to a second: an ordinary text's record is gone by the replay.
    twilio = Twilio(serve(replace(config, dedupe_ttl=1)).url)
    person = f"signpost:optout:{number_id(TEXTER, SECRET_KEY.encode())}"
    captured_start = twilio.sms("START", sid="SM" + "7" * 32)
    assert captured_start.status_code == 200
    hello = "SM" + "8" * 32
    assert message_text(twilio.sms("hello", sid=hello))
    assert "START" in message_text(twilio.sms("STOP"))
    assert redis_client.exists(person)
    time.sleep(1.5)

    assert not redis_client.exists(f"signpost:delivery:sms:{hello}"), "the ordinary text's record lapsed"
    replayed = twilio.sms("START", sid="SM" + "7" * 32)
    assert replayed.status_code == 200
    assert redis_client.exists(person), "the later STOP still stands"


def test_a_captured_stop_replayed_later_does_not_undo_a_later_start(serve, config, redis_client):
    twilio = Twilio(serve(replace(config, dedupe_ttl=1)).url)
    person = f"signpost:optout:{number_id(TEXTER, SECRET_KEY.encode())}"
    twilio.sms("STOP", sid="SM" + "6" * 32)
    assert redis_client.exists(person)
    twilio.sms("START")
    assert not redis_client.exists(person)
    time.sleep(1.5)

    twilio.sms("STOP", sid="SM" + "6" * 32)
    assert not redis_client.exists(person), "the later START still stands"


def test_a_captured_start_replayed_while_redis_refuses_writes_does_not_undo_a_later_stop(serve, config, redis_client, tmp_path):
    live = serve(config.with_(state_dir=str(tmp_path / "state")))
    twilio, line = Twilio(live.url), live.app.extensions["signpost"]
    person = f"signpost:optout:{number_id(TEXTER, SECRET_KEY.encode())}"
    twilio.sms("START", sid="SM" + "5" * 32)  # captured
    twilio.sms("STOP")
    redis_client.config_set("maxmemory", "1")
    try:
        twilio.sms("START", sid="SM" + "5" * 32)  # replayed while Redis is full: journalled
        assert line.journal.pending()
    finally:
        redis_client.config_set("maxmemory", "0")
    line.redis_failed()
    twilio.sms("hello", sender="+447400765432")  # Redis has room again: the journal is replayed
    assert not line.journal.pending()
    assert redis_client.exists(person), "the later STOP still stands"
    # A START that was never on record before the outage is applied once, and kept on record.
    redis_client.config_set("maxmemory", "1")
    try:
        twilio.sms("START", sid="SM" + "4" * 32)
    finally:
        redis_client.config_set("maxmemory", "0")
    line.redis_failed()
    twilio.sms("hello", sender="+447400765432")
    assert not redis_client.exists(person)
    twilio.sms("STOP")
    twilio.sms("START", sid="SM" + "4" * 32)  # its replay, now on record: changes nothing
    assert redis_client.exists(person)


def test_a_journal_out_of_order_is_replayed_in_the_order_of_events_each_delivery_once(serve, config, redis_client, tmp_path):
    """Two processes append as they go, one putting back a replay Redis refused after the
    other's newer lines: a captured START replayed late must not be applied first."""
    line = serve(config.with_(state_dir=str(tmp_path / "state"))).app.extensions["signpost"]
    person = number_id(TEXTER, SECRET_KEY.encode())
    start, stop = "signpost:delivery:sms:start", "signpost:delivery:sms:stop"
    line.journal.record(person, "opt_in", at=300.0, delivery=start)  # the captured START, replayed
    line.journal.record(person, "opt_in", at=100.0, delivery=start)  # the genuine START
    line.journal.record(person, "opt_out", at=200.0, delivery=stop)  # then the person's STOP
    for _ in range(50):
        line.journal.record(person, "opt_in", at=400.0, delivery=start)
    assert line.journal.replay(line.store) == 2
    assert redis_client.exists(f"signpost:optout:{person}"), "the STOP stands"


def test_a_journalled_start_older_than_the_last_stop_is_skipped_yet_kept_on_record(serve, config, redis_client, tmp_path):
    """Replayed after a newer STOP (another process reached Redis first), the START is not
    applied; a captured copy of it sent later must be known as a repeat, not a new START."""
    live = serve(config.with_(state_dir=str(tmp_path / "state")))
    twilio, line = Twilio(live.url), live.app.extensions["signpost"]
    person = number_id(TEXTER, SECRET_KEY.encode())
    twilio.sms("STOP")
    sid = "SM" + "9" * 32
    line.journal.record(person, "opt_in", at=time.time() - 60, delivery=keys.delivery("sms", token_id("sms", sid)))
    assert line.journal.replay(line.store) == 0
    twilio.sms("START", sid=sid)
    assert redis_client.exists(f"signpost:optout:{person}"), "the STOP stands"


def test_what_a_process_was_replaying_when_it_died_is_replayed_by_another(serve, config, redis_client, tmp_path):
    live = serve(config.with_(state_dir=str(tmp_path / "state")))
    twilio, line = Twilio(live.url), live.app.extensions["signpost"]
    person = number_id(TEXTER, SECRET_KEY.encode())
    gone = subprocess.Popen(["true"])  # noqa: S603, S607
    gone.wait()
    orphan = line.journal.path.with_name(f"{line.journal.path.name}.{gone.pid}.replaying")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_text(f"{time.time() - 5:.6f} opt_out {person}\n")
    assert not line.journal.pending()
    twilio.sms("hello", sender="+447400765432")  # any text that finds Redis looks for orphans
    assert redis_client.exists(f"signpost:optout:{person}"), "the dead process's STOP was applied"
    assert not orphan.exists()


def test_a_captured_start_sent_again_as_soon_as_redis_takes_writes_again_does_not_undo_the_stop(serve, config, redis_client, tmp_path):
    live = serve(config.with_(state_dir=str(tmp_path / "state")))
    twilio, line = Twilio(live.url), live.app.extensions["signpost"]
    person = f"signpost:optout:{number_id(TEXTER, SECRET_KEY.encode())}"
    twilio.sms("STOP")
    redis_client.config_set("maxmemory", "1")
    try:
        captured = "SM" + "3" * 32
        twilio.sms("START", sid=captured)  # the person's own START, then STOP: both journalled
        twilio.sms("STOP", sid="SM" + "2" * 32)
        twilio.sms("hello", sender="+447400765432")  # a replay tried and refused meanwhile
        assert line.journal.pending()
    finally:
        redis_client.config_set("maxmemory", "0")
    twilio.sms("START", sid=captured)  # sent again a moment after Redis takes writes again
    assert redis_client.exists(person), "the person's last choice, STOP, stands"
