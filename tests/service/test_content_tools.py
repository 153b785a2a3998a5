"""The editors' commands, run as editors run them: ``signpost check``, ``chat`` and ``stats``."""

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.pack import load_pack
from flows.render import EMERGENCY_SMS
from messages import DEFAULT_PACK_DIR
from service import cli
from service.state import keys
from tests.flows.test_check import at
from tests.support import TEXTER, message_text

SIGNPOST = Path(sys.executable).parent / "signpost"
EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"


def signpost(*args, stdin="", env=None):
    """The installed console script, with piped standard input (never a terminal)."""
    return subprocess.run(
        [str(SIGNPOST), *args], input=stdin, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the shipped pack with one edit in ``file``; the edited file's path."""
    copy = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK_DIR, copy)
    edited = copy / file
    edited.write_text(edited.read_text().replace(old, new))
    return edited


class TestCheck:
    def test_the_shipped_pack_passes_and_ends_with_one_summary_line(self):
        result = signpost("check")
        assert result.returncode == 0, result.stdout
        lines = result.stdout.strip().splitlines()
        assert lines[-1].startswith("en-GB-coventry: 20 topics, 12 links, 13 numbers, ")
        assert lines[-1].endswith(" 0 errors")
        assert not any(line.startswith("error:") for line in lines)
        assert "Needs confirmation by a reviewer (11):" in lines
        posh = at(DEFAULT_PACK_DIR / "numbers.toml", "[numbers.posh]")
        assert f"  numbers.posh ({posh}): closed on bank holidays (the weekday hours were confirmed in December 2026)" in lines
        assert f"  2027-05-24  pack ({at(DEFAULT_PACK_DIR / 'pack.toml', '[pack]')})" in lines

    def test_a_broken_copy_fails_naming_the_file_line_and_item(self, tmp_path):
        numbers = broken_copy(tmp_path, "numbers.toml", '"024 7678 8555"', '"024 7678 855"')
        result = signpost("check", str(numbers.parent))
        assert result.returncode == 1
        where = at(numbers, "024 7678 855")
        assert f"error: {where}: numbers.mash: '024 7678 855' is not a valid fixed line" in result.stdout
        assert result.stdout.strip().splitlines()[-1].endswith(" 1 error")

    def test_a_pack_that_does_not_load_says_so(self, tmp_path):
        topics = broken_copy(tmp_path, "topics.toml", "{link.cscp}", "{link.cspc}")
        result = signpost("check", str(topics.parent))
        assert result.returncode == 1
        where = at(topics, "sms = ", after="[topics.contacts]")
        assert f"error: {where}: topics.contacts: dangling reference" in result.stdout
        assert "The pack does not load" in result.stdout

    def test_review_by_dates_in_the_past_warn_without_failing(self):
        result = signpost("check", "--today", "2027-06-01")
        assert result.returncode == 0
        where = at(DEFAULT_PACK_DIR / "pack.toml", "review_by")
        assert f"warning: {where}: pack: review-by date 2027-05-24 has passed" in result.stdout

    def test_the_second_pack_passes(self):
        result = signpost("check", str(EXAMPLE_PACK))
        assert result.returncode == 0, result.stdout
        assert result.stdout.strip().splitlines()[-1] == "en-GB-example: 2 topics, 1 link, 2 numbers, 0 warnings, 0 errors"


class TestChat:
    def test_piped_input_gets_each_reply_with_the_999_line_and_its_cost(self):
        result = signpost("chat", stdin="hi\n1\nhelpline\n0\n")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.count(f"line> {EMERGENCY_SMS}") == 4
        assert "you> 1\n" in out and "Avoid blame" in out and "0344 381 4772" in out
        main = load_pack(DEFAULT_PACK_DIR).sms_pages["main"]
        assert f"[1 part, GSM-7, {len(main)} characters]" in out  # the main menu, as the pack renders it
        assert "you>" not in out.split("\n")[-1]  # no prompt when nothing is typed at a terminal

    def test_end_of_input_at_once_is_a_clean_exit(self):
        result = signpost("chat", stdin="")
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")

    def test_opting_out_is_shown(self):
        result = signpost("chat", "--from", "07400 123456", stdin="STOP\nSTART\n")
        assert result.returncode == 0
        assert "opted out of follow-up texts" in result.stdout and "opted back in" in result.stdout

    def test_another_pack(self, monkeypatch, capsys):
        monkeypatch.setattr(sys, "stdin", io.StringIO("hello\nlocal\n"))
        assert cli.main(["chat", "--pack", str(EXAMPLE_PACK)]) == 0
        out = capsys.readouterr().out
        assert f"line> {EMERGENCY_SMS}\n      Exampleshire advice line." in out
        assert "0113 496 0000" in out and "Coventry" not in out

    def test_a_pack_that_does_not_load_is_refused(self, tmp_path):
        result = signpost("chat", "--pack", str(tmp_path), stdin="hi\n")
        assert result.returncode == 2 and "no .toml files" in result.stderr

    def test_a_from_that_is_no_number_is_refused(self):
        result = signpost("chat", "--from", "not a number", stdin="hi\n")
        assert result.returncode == 2 and "--from" in result.stderr


class TestStats:
    @pytest.fixture
    def stats(self, redis_server, monkeypatch, capsys):
        monkeypatch.setenv("REDIS_URL", redis_server.url)
        for name in ("TWILIO_AUTH_TOKEN", "SIGNPOST_PACKS"):
            monkeypatch.delenv(name, raising=False)

        def run(*args):
            code = cli.main(["stats", *args])
            return code, capsys.readouterr().out

        return run

    def converse(self, twilio):
        for body in ["hi", "2", "steps", "signs", "helpline"]:
            assert message_text(twilio.sms(body)).startswith(EMERGENCY_SMS)

    def test_the_table_counts_what_a_conversation_did(self, twilio, stats):
        self.converse(twilio)
        code, out = stats()
        assert code == 0
        today = dt.date.today().isoformat()
        rows = [line.split() for line in out.strip().splitlines()]
        assert rows[0] == ["day", "pack", "channel", "item", "count"]
        assert sorted(rows[1:]) == sorted(
            [
                [today, "en-GB-coventry", "sms", "helplines", "1"],
                [today, "en-GB-coventry", "sms", "main", "1"],
                [today, "en-GB-coventry", "sms", "signs", "2"],
                [today, "en-GB-coventry", "sms", "steps", "1"],
            ]
        )
        assert TEXTER not in out and TEXTER[-6:] not in out

    def test_csv_on_request(self, twilio, stats):
        self.converse(twilio)
        code, out = stats("--csv")
        assert code == 0
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {(r["item"], r["count"]) for r in rows} == {("main", "1"), ("signs", "2"), ("steps", "1"), ("helplines", "1")}
        assert {r["channel"] for r in rows} == {"sms"} and {r["pack"] for r in rows} == {"en-GB-coventry"}

    def test_calls_are_counted_apart_from_texts(self, twilio, stats):
        twilio.sms("steps")
        twilio.call_start().press("1")
        rows = list(csv.DictReader(io.StringIO(stats("--csv")[1])))
        by_channel = {(r["channel"], r["item"]): r["count"] for r in rows}
        assert by_channel[("sms", "steps")] == "1"
        assert by_channel[("voice", "steps")] == "1"
        assert {r["channel"] for r in rows} == {"sms", "voice"}

    def test_days_limits_how_far_back(self, redis_client, stats):
        today = dt.date.today()
        redis_client.hset(keys.stats("en-GB-coventry", today - dt.timedelta(days=10)), "voice:steps", 4)
        redis_client.hset(keys.stats("en-GB-coventry", today), "sms:signs", 3)
        assert stats("--days", "10")[1].count("en-GB-coventry") == 1
        out = stats("--days", "11", "--csv")[1]
        assert f"{(today - dt.timedelta(days=10)).isoformat()},en-GB-coventry,voice,steps,4" in out.splitlines()

    def test_nothing_counted_says_so(self, redis_client, stats):
        assert stats() == (0, "No counts in the last 7 days.\n")

    def test_redis_unreachable_is_an_error_not_a_traceback(self, monkeypatch, capsys):
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
        assert cli.main(["stats"]) == 1
        assert "cannot read counts from Redis" in capsys.readouterr().err
