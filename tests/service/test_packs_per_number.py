"""Two partnerships on one deployment: each line number answers with its own pack,
and neither sees the other's content, sessions or counts."""

import json
import shutil
from pathlib import Path

import pytest

from flows.pack import PackError
from flows.render import EMERGENCY_SMS
from messages import DEFAULT_PACK_DIR
from service.web.app import create_app
from service.config import Config, ConfigError, packs_by_number
from service.state.keys import PREFIX
from tests.support import LINE_NUMBER, TEXTER, Call, Twilio, message_text, run_followups

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"
EXAMPLE_LINE = "+442079460999"


@pytest.fixture
def twilio(serve, config):
    return Twilio(serve(config.with_(packs={EXAMPLE_LINE: str(EXAMPLE_PACK)})).url)


def text(twilio, body, to, sender=TEXTER):
    reply = message_text(twilio.sms(body, sender=sender, To=to))
    assert reply.splitlines()[0] == EMERGENCY_SMS
    return reply


def test_a_text_to_the_second_number_gets_the_second_pack(twilio):
    reply = text(twilio, "hi", EXAMPLE_LINE)
    assert "Exampleshire advice line. Reply with a number:" in reply
    assert "1 First steps in Exampleshire" in reply and "Coventry" not in reply
    assert "0113 496 0000" in text(twilio, "1", EXAMPLE_LINE)


def test_the_first_number_and_any_other_get_the_default_pack(twilio):
    for to in (LINE_NUMBER, "+441632960000", "", None):
        reply = message_text(twilio.post("/sms", {"From": TEXTER, "Body": "contacts", **({"To": to} if to is not None else {})}))
        assert "024 7678 8555" in reply and "Exampleshire" not in reply


def test_one_texter_on_both_lines_has_two_separate_conversations(twilio, redis_client):
    text(twilio, "hi", LINE_NUMBER)
    text(twilio, "signs", LINE_NUMBER)
    text(twilio, "hi", EXAMPLE_LINE)
    assert "0113 496 0000" in text(twilio, "2", EXAMPLE_LINE)  # Exampleshire's item 2
    assert "Professionals Online Safety Helpline" in text(twilio, "3", LINE_NUMBER)  # Coventry's item 3, not Exampleshire's menu

    sessions = {key.decode(): json.loads(redis_client.get(key)) for key in redis_client.scan_iter(f"{PREFIX}session:*")}
    assert len(sessions) == 2
    [coventry] = [s for k, s in sessions.items() if k.startswith(f"{PREFIX}session:sms:en-GB-coventry:")]
    [example] = [s for k, s in sessions.items() if k.startswith(f"{PREFIX}session:sms:en-GB-example:")]
    assert (coventry["menu"], coventry["node"]) == ("main", "helplines")
    assert (example["menu"], example["node"]) == ("home", "local")


def test_counts_are_kept_per_pack(twilio, redis_client):
    text(twilio, "hi", EXAMPLE_LINE)
    text(twilio, "steps", EXAMPLE_LINE)
    text(twilio, "steps", LINE_NUMBER)
    days = {key.decode().split(":")[2]: redis_client.hgetall(key) for key in redis_client.scan_iter(f"{PREFIX}stats:*")}
    assert days == {
        "en-GB-example": {b"sms:home": b"1", b"sms:first_steps": b"1"},
        "en-GB-coventry": {b"sms:steps": b"1"},
    }


class CallTo(Call):
    """A call to one particular line number (``Call`` always dials LINE_NUMBER)."""

    def __init__(self, twilio, to, caller):
        super().__init__(twilio, twilio.next_sid("CA"), caller)
        self.to = to

    def post(self, path, **params):
        return super().post(path, **{"To": self.to, **params})


@pytest.fixture
def north(tmp_path):
    """A copy of the shipped pack under another id, its words changed where a test looks."""
    folder = tmp_path / "north"
    shutil.copytree(DEFAULT_PACK_DIR, folder)
    for file, old, new in [
        ("pack.toml", 'id = "en-GB-coventry"', 'id = "en-GB-north"'),
        ("topics.toml", "Links from the sextortion advice line:", "Links from the North sextortion advice line:"),
        ("voice.toml", 'fallback = "For advice,', 'fallback = "North line. For advice,'),
    ]:
        text = (folder / file).read_text()
        assert old in text
        (folder / file).write_text(text.replace(old, new))
    return folder


def test_a_caller_to_the_second_number_is_texted_that_pack_s_links(serve, config, fake_twilio, north):
    server = serve(
        config.with_(
            account_sid="AC" + "0" * 32,
            from_number="+447700900001",
            api_base_url=fake_twilio.url,
            followup_send_timeout=2.0,
            packs={EXAMPLE_LINE: str(north)},
        )
    )
    caller = "+447400222333"
    call = CallTo(Twilio(server.url), EXAMPLE_LINE, caller).start().say("text me the links")
    assert "ending 3 3 3" in call.text
    assert "If that number can get texts from this line, the text will be there in a minute or two." in call.press("1").text
    run_followups(server.app.extensions["signpost"])
    [sent] = fake_twilio.messages
    assert sent.form["To"] == caller
    assert "Links from the North sextortion advice line:" in sent.form["Body"]


def test_the_fallback_url_answers_with_the_called_line_s_menu(serve, config):
    down = Twilio(serve(config.with_(redis_url="redis://127.0.0.1:1/0", packs={EXAMPLE_LINE: str(EXAMPLE_PACK)})).url)
    reply = message_text(down.post("/sms/fallback", {"From": TEXTER, "To": EXAMPLE_LINE}))
    assert "Exampleshire advice line" in reply
    assert "Exampleshire" in message_text(down.sms("hi", To=EXAMPLE_LINE))  # Redis down too


def test_the_voice_fallback_url_answers_with_the_called_line_s_pack(serve, config, north):
    twilio = Twilio(serve(config.with_(packs={EXAMPLE_LINE: str(north)})).url)
    form = {"CallSid": "CA" + "1" * 32, "From": TEXTER}
    north_says = twilio.post("/voice/fallback", {**form, "To": EXAMPLE_LINE}).text
    default_says = twilio.post("/voice/fallback", {**form, "To": LINE_NUMBER}).text
    assert "North line. For advice" in north_says and "North line" not in default_says
    assert "0 3 4 4, 3 8 1, 4 7 7 2" in default_says


def test_a_pack_that_fails_to_load_stops_start_up(config, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE_PACK, broken)
    (broken / "links.toml").write_text((broken / "links.toml").read_text().replace("url =", "link ="))
    with pytest.raises(PackError) as caught:
        create_app(config.with_(packs={EXAMPLE_LINE: str(broken)}))
    assert any(p.item == "links.partnership" for p in caught.value.problems)


def test_two_folders_with_one_pack_id_stop_start_up(config, tmp_path):
    twin = tmp_path / "twin"
    shutil.copytree(DEFAULT_PACK_DIR, twin)
    with pytest.raises(ConfigError, match="both have id 'en-GB-coventry'"):
        create_app(config.with_(packs={EXAMPLE_LINE: str(twin)}))


def test_one_pack_for_two_numbers_is_loaded_once(serve, config):
    live = serve(config.with_(packs={EXAMPLE_LINE: str(EXAMPLE_PACK), "+441632960001": str(EXAMPLE_PACK)}))
    line = live.app.extensions["signpost"]
    assert line.pack_for(EXAMPLE_LINE) is line.pack_for("+441632960001")


class TestSetting:
    def test_numbers_are_normalised_to_e164(self):
        assert packs_by_number(" 020 7946 0999 = /packs/a ; +44 1632 960001=/packs/b;") == {
            "+442079460999": "/packs/a",
            "+441632960001": "/packs/b",
        }

    def test_read_from_the_environment(self):
        config = Config.from_env({"SIGNPOST_PACKS": f"{EXAMPLE_LINE}={EXAMPLE_PACK}"})
        assert config.packs == {EXAMPLE_LINE: str(EXAMPLE_PACK)}
        assert Config.from_env({}).packs == {}

    @pytest.mark.parametrize("setting", ["+442079460999", "not-a-number=/packs/a", "+442079460999=", "+442079460999=/a;02079460999=/b"])
    def test_a_setting_that_cannot_be_read_is_refused(self, setting):
        with pytest.raises(ConfigError, match="SIGNPOST_PACKS"):
            packs_by_number(setting)
