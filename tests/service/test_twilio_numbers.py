"""`signpost twilio connect` and `doctor`: the real twilio client against the fake REST API."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from flows.render import EMERGENCY_SMS, EMERGENCY_VOICE
from messages import DEFAULT_PACK_DIR
from service.cli import main
from tests.static_host import StaticHost
from tests.support import AUTH_TOKEN, LINE_NUMBER, SECRET_KEY

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"
EXAMPLE_LINE = "+442079460999"
BASE = "https://line.example.org"
STATIC = "https://static.example.org/line/"
RIGHT = {
    "sms_url": f"{BASE}/sms",
    "sms_method": "POST",
    "sms_fallback_url": f"{BASE}/sms/fallback",
    "sms_fallback_method": "POST",
    "voice_url": f"{BASE}/voice",
    "voice_method": "POST",
    "voice_fallback_url": f"{BASE}/voice/fallback",
    "voice_fallback_method": "POST",
    "status_callback": f"{BASE}/voice/status",
    "status_callback_method": "POST",
}


@pytest.fixture
def account(fake_twilio, monkeypatch):
    """The line's environment, its Twilio account the fake one."""
    for name in ("SIGNPOST_FALLBACK_BASE_URL", "SIGNPOST_PACK_DIR", "TWILIO_REGION", "TWILIO_EDGE"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "TWILIO_ACCOUNT_SID": fake_twilio.account,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SIGNPOST_SECRET_KEY": SECRET_KEY,
        "PUBLIC_BASE_URL": BASE,
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "SIGNPOST_PACKS": f"{LINE_NUMBER}={DEFAULT_PACK_DIR};{EXAMPLE_LINE}={EXAMPLE_PACK}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return fake_twilio


def run(capsys, *argv) -> tuple[int, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out + out.err


def test_dry_run_prints_what_would_change_and_changes_nothing(account, capsys):
    account.add_number(LINE_NUMBER, sms_url="https://old.example.org/sms")
    before = dict(account.number(LINE_NUMBER))
    status, out = run(capsys, "twilio", "connect", LINE_NUMBER, "--dry-run")
    assert status == 0
    assert f"{LINE_NUMBER} (en-GB-coventry): would change" in out
    assert f"sms_url: https://old.example.org/sms -> {BASE}/sms" in out
    assert f"voice_fallback_url: (none) -> {BASE}/voice/fallback" in out
    assert account.number_updates == [] and account.number(LINE_NUMBER) == before


def test_connect_sets_every_url_and_method_then_doctor_finds_nothing(account, capsys):
    account.add_number(LINE_NUMBER, sms_url="https://old.example.org/sms", voice_method="GET", voice_application_sid="AP" + "1" * 32)
    status, out = run(capsys, "twilio", "connect", LINE_NUMBER)
    assert status == 0 and f"{LINE_NUMBER} (en-GB-coventry): changed" in out
    assert "voice_method: GET -> POST" in out and "voice_application_sid: AP" in out
    [update] = account.number_updates
    assert update.account == account.account
    assert update.form["SmsUrl"] == f"{BASE}/sms" and update.form["VoiceApplicationSid"] == ""
    number = account.number(LINE_NUMBER)
    assert {k: number[k] for k in RIGHT} == RIGHT and not number["voice_application_sid"]

    status, out = run(capsys, "twilio", "connect", LINE_NUMBER)
    assert status == 0 and "already set; nothing to change" in out
    assert len(account.number_updates) == 1

    account.add_number(EXAMPLE_LINE, **RIGHT)
    status, out = run(capsys, "twilio", "doctor")
    assert status == 0, out
    assert "2 number(s) set as the line expects" in out
    assert "the fallbacks are on the line's own host" in out


@pytest.fixture
def static_host(tmp_path, monkeypatch):
    """An https static host for the exported fallbacks; its files in ``.folder``."""
    tls = tmp_path / "tls"
    tls.mkdir()
    host = StaticHost(tmp_path / "static", tls)
    monkeypatch.setenv("SSL_CERT_FILE", str(host.cert_file))  # doctor trusts this host
    yield host
    host.stop()


def test_connect_all_points_the_fallbacks_at_the_static_host_with_get(account, capsys):
    account.add_number(LINE_NUMBER)
    account.add_number(EXAMPLE_LINE, **RIGHT)
    status, out = run(capsys, "twilio", "connect", "--all", "--fallback-base", STATIC)
    assert status == 0, out
    for number, pack in ((LINE_NUMBER, "en-GB-coventry"), (EXAMPLE_LINE, "en-GB-example")):
        wired = account.number(number)
        assert wired["sms_fallback_url"] == f"{STATIC}{pack}/sms.xml"
        assert wired["voice_fallback_url"] == f"{STATIC}{pack}/voice.xml"
        assert wired["sms_fallback_method"] == wired["voice_fallback_method"] == "GET"
        assert wired["voice_url"] == f"{BASE}/voice" and wired["voice_method"] == "POST"
    # Without being told where the static fallbacks are, doctor expects the line's own.
    status, out = run(capsys, "twilio", "doctor")
    assert status == 1 and f"sms_fallback_url is {STATIC}en-GB-coventry/sms.xml" in out


def test_doctor_fetches_the_static_fallbacks_and_finds_them_missing_or_stale(account, capsys, static_host):
    base = static_host.url
    account.add_number(LINE_NUMBER)
    account.add_number(EXAMPLE_LINE)
    assert run(capsys, "twilio", "connect", "--all", "--fallback-base", base)[0] == 0
    status, out = run(capsys, "twilio", "doctor", "--fallback-base", base)
    assert status == 1  # nothing uploaded yet
    assert f"{base}en-GB-coventry/voice.xml: the static fallback could not be fetched (HTTP Error 404" in out

    assert run(capsys, "export-fallback", str(static_host.folder))[0] == 0  # the upload
    status, out = run(capsys, "twilio", "doctor", "--fallback-base", base)
    assert status == 0, out
    assert "own host" not in out

    stale = static_host.folder / "en-GB-coventry" / "voice.xml"  # an old helpline number
    assert "4 7 7 2" in stale.read_text()
    stale.write_text(stale.read_text().replace("4 7 7 2", "4 7 7 3"))
    status, out = run(capsys, "twilio", "doctor", "--fallback-base", base)
    assert status == 1
    assert f"{base}en-GB-coventry/voice.xml: the static fallback is not what signpost export-fallback writes now" in out


def test_doctor_reports_every_difference_and_fails(account, capsys):
    wrong = {"sms_url": "http://line.example.org/sms", "voice_fallback_url": "", "voice_method": "GET", "status_callback": ""}
    account.add_number(LINE_NUMBER, **{**RIGHT, **wrong})
    account.add_number("+441632960001", sms_url="https://elsewhere.example.net/sms", voice_url="https://elsewhere.example.net/voice")
    account.add_number("+441632960002", **RIGHT)  # sends to this line, but no pack names it
    status, out = run(capsys, "twilio", "doctor")
    assert status == 1
    problems = [line for line in out.splitlines() if line.startswith("+")]
    assert f"{LINE_NUMBER}: sms_url uses http (http://line.example.org/sms): the line expects https, {BASE}/sms" in problems
    assert f"{LINE_NUMBER}: voice_method is GET, the line expects POST" in problems
    assert any(p.startswith(f"{LINE_NUMBER}: voice_fallback_url is missing") for p in problems)
    assert any(p.startswith(f"{LINE_NUMBER}: status_callback is missing: calls are answered, but") for p in problems)
    assert f"{EXAMPLE_LINE}: not a number on this Twilio account" in problems
    assert any(p.startswith("+441632960002: sends to this line but is in no pack") for p in problems)
    assert not any(p.startswith("+441632960001") for p in problems)  # another service's number
    assert len(problems) == 6


def test_doctor_with_one_pack_checks_every_number_that_sends_here_across_pages(account, capsys, monkeypatch):
    monkeypatch.delenv("SIGNPOST_PACKS")
    for n in range(60):  # more than one page of Twilio's list
        account.add_number(f"+4416329610{n:02d}", sms_url="https://elsewhere.example.net/sms")
    account.add_number(LINE_NUMBER, **{**RIGHT, "sms_fallback_url": ""})
    status, out = run(capsys, "twilio", "doctor")
    assert status == 1 and f"{LINE_NUMBER}: sms_fallback_url is missing" in out
    assert run(capsys, "twilio", "connect", LINE_NUMBER)[0] == 0
    status, out = run(capsys, "twilio", "doctor")
    assert status == 0 and "1 number(s) set as the line expects" in out


def test_doctor_fails_when_no_number_sends_here(account, capsys, monkeypatch):
    monkeypatch.delenv("SIGNPOST_PACKS")
    account.add_number(LINE_NUMBER)
    assert run(capsys, "twilio", "doctor")[0] == 1


def test_connect_refuses_what_would_leave_a_number_wrong(account, capsys, monkeypatch):
    account.add_number(LINE_NUMBER)
    account.add_number("+441632960002")
    status, out = run(capsys, "twilio", "connect", "+441632960002")
    assert status == 2 and "in no pack" in out
    status, out = run(capsys, "twilio", "connect", "+441632960003")
    assert status == 2 and "in no pack" in out
    monkeypatch.delenv("SIGNPOST_PACKS")
    status, out = run(capsys, "twilio", "connect", "+441632960003")
    assert status == 1 and "not a number on this Twilio account" in out
    status, out = run(capsys, "twilio", "connect", "--all")
    assert status == 2 and "SIGNPOST_PACKS" in out
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://line.example.org")
    status, out = run(capsys, "twilio", "connect", LINE_NUMBER)
    assert status == 2 and "must be https" in out
    status, out = run(capsys, "twilio", "connect", LINE_NUMBER, "--fallback-base", "http://static.example.org/")
    assert status == 2 and "must be https" in out
    assert account.number_updates == []


def test_a_wrong_account_is_reported_not_a_traceback(account, capsys, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "9" * 32)
    status, out = run(capsys, "twilio", "doctor")
    assert status == 1 and "Twilio refused" in out and "20404" in out


def test_the_fallbacks_connect_names_are_the_files_export_fallback_wrote(account, capsys, static_host):
    """From a clone to a live number: export, upload, connect; then what Twilio would
    fetch from each number's fallback URL, with GET, is TwiML that says 999 first."""
    account.add_number(LINE_NUMBER)
    account.add_number(EXAMPLE_LINE)
    assert run(capsys, "export-fallback", str(static_host.folder))[0] == 0
    assert run(capsys, "twilio", "connect", "--all", "--fallback-base", static_host.url)[0] == 0
    for number in (LINE_NUMBER, EXAMPLE_LINE):
        wired = account.number(number)
        for channel, first in (("voice", "Say"), ("sms", "Message")):
            assert wired[f"{channel}_fallback_method"] == "GET"
            answer = requests.get(wired[f"{channel}_fallback_url"], params={"To": number}, verify=str(static_host.cert_file), timeout=10)
            assert answer.status_code == 200
            said = ET.fromstring(answer.content).find(first).text
            if channel == "voice":
                assert said == EMERGENCY_VOICE
            else:
                assert said.splitlines()[0] == EMERGENCY_SMS


def test_the_fake_answers_the_real_client_as_twilio_does(account):
    """The fake's IncomingPhoneNumbers through twilio's own client: what the commands rely on."""
    from twilio.base.exceptions import TwilioRestException

    from service.config import Config
    from service.twilio.sender import rest_client

    client = rest_client(Config.from_env(), timeout=5)
    mine = account.add_number(LINE_NUMBER, sms_url=f"{BASE}/sms")
    account.add_number("+441234567899")
    # Twilio's PhoneNumber filter matches part of a number.
    assert {n.phone_number for n in client.incoming_phone_numbers.list(phone_number="1234567")} == {LINE_NUMBER, "+441234567899"}
    fetched = client.incoming_phone_numbers(mine["sid"]).fetch()
    assert (fetched.phone_number, fetched.sms_url, fetched.sms_method) == (LINE_NUMBER, f"{BASE}/sms", "POST")
    assert fetched.capabilities["sms"] and fetched.voice_receive_mode == "voice"
    updated = client.incoming_phone_numbers(mine["sid"]).update(voice_url=f"{BASE}/voice", voice_method="POST")
    assert updated.voice_url == f"{BASE}/voice" and updated.sms_url == f"{BASE}/sms"
    with pytest.raises(TwilioRestException) as missing:
        client.incoming_phone_numbers("PN" + "f" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
