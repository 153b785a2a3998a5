"""`signpost export-fallback`: static TwiML a plain file server can give Twilio when the line is down."""

import functools
import threading
import xml.etree.ElementTree as ET
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from flows import gsm
from flows.pack import load_pack
from flows.render import EMERGENCY_SMS, EMERGENCY_VOICE
from flows.templates import spoken_number
from messages import DEFAULT_PACK_DIR
from service.cli import main
from tests.support import AUTH_TOKEN, LINE_NUMBER, SECRET_KEY, spoken

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"
EXAMPLE_LINE = "+442079460999"
PACK = load_pack(DEFAULT_PACK_DIR)
POSH = PACK.numbers["posh"]


@pytest.fixture
def exported(tmp_path, monkeypatch, capsys):
    for name in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SIGNPOST_PACK_DIR", "SIGNPOST_VOICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIGNPOST_PACKS", f"{EXAMPLE_LINE}={EXAMPLE_PACK}")
    folder = tmp_path / "static"
    assert main(["export-fallback", str(folder)]) == 0
    capsys.readouterr()
    return folder


@pytest.fixture
def static_host(exported):
    """The folder served as any static host would: files, GET, nothing of the line's."""
    handler = functools.partial(QuietHandler, directory=str(exported))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def fetch(url: str) -> ET.Element:
    """What Twilio does with a fallback URL whose method is GET: fetch it, read TwiML."""
    response = requests.get(url, params={"CallSid": "CA" + "1" * 32, "To": LINE_NUMBER}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(("application/xml", "text/xml"))
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def test_voice_says_999_first_then_the_helpline_number_as_digits_its_hours_and_goodbye(static_host):
    root = fetch(f"{static_host}/{PACK.id}/voice.xml")
    said = spoken(root)
    assert said[0] == EMERGENCY_VOICE
    assert spoken_number(POSH.number) in said[1] and POSH.hours in said[1]
    assert said[1].endswith("Goodbye.")
    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]


def test_sms_sends_the_999_line_first_and_the_main_facts_in_at_most_two_gsm_parts(static_host):
    root = fetch(f"{static_host}/{PACK.id}/sms.xml")
    [message] = root.findall("Message")
    text = message.text
    assert text.splitlines()[0] == EMERGENCY_SMS
    # The essentials, and a number open day and night: a static host cannot tell the hour.
    assert "Don't pay" in text and "Report Remove" in text and PACK.links["childline"].url in text
    assert PACK.numbers["samaritans"].number in text and "Reply 0" not in text
    assert text == PACK.sms_pages["fallback"]  # the pack's own page, not a second copy
    assert gsm.is_gsm(text) and gsm.segments(text) <= 2


def test_nothing_in_a_fallback_sends_the_caller_back_to_the_line(static_host):
    for channel in ("voice", "sms"):
        root = fetch(f"{static_host}/{PACK.id}/{channel}.xml")
        for element in root.iter():
            assert not {"action", "url"} & set(element.attrib), ET.tostring(element)
            assert element.tag not in ("Redirect", "Gather", "Dial")


def test_every_pack_gets_its_own_files(static_host):
    root = fetch(f"{static_host}/en-GB-example/sms.xml")
    assert root.find("Message").text.splitlines()[0] == EMERGENCY_SMS
    assert "Exampleshire" in root.find("Message").text
    assert spoken(fetch(f"{static_host}/en-GB-example/voice.xml"))[0] == EMERGENCY_VOICE


def test_the_files_are_what_the_line_itself_answers_at_its_fallback_url(exported, serve, config):
    from tests.support import Twilio

    twilio = Twilio(serve(config).url)
    live = twilio.post("/voice/fallback", {"CallSid": "CA" + "2" * 32, "To": LINE_NUMBER})
    assert live.content == (exported / PACK.id / "voice.xml").read_bytes()


def test_a_pack_that_does_not_load_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SIGNPOST_PACK_DIR", str(tmp_path / "missing"))
    monkeypatch.delenv("SIGNPOST_PACKS", raising=False)
    assert main(["export-fallback", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


assert AUTH_TOKEN and SECRET_KEY  # the live line below is the signed one the other tests use
