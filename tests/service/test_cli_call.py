"""``signpost call`` with piped input, as an editor would run it: the same flows, no Redis."""

import subprocess
import sys

from flows.render import EMERGENCY_VOICE
from service.cli import PROJECT_DIR
from tests.support import assert_999_said

TUESDAY_11AM = "2026-11-24T11:00"


def call(keys: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "call", *args],
        input=keys,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_DIR,
    )


def turns(output: str) -> list[list[str]]:
    """What the line said each turn: the "line:" rows between the bracketed notes."""
    said, current = [], []
    for row in output.splitlines():
        if row.strip().startswith("line"):
            current.append(row.split(": ", 1)[1])
        elif current:
            said.append(current)
            current = []
    return said + ([current] if current else [])


def test_piped_keys_walk_the_menu_and_every_turn_says_999():
    result = call("1\n9\n*\n")
    assert result.returncode == 0, result.stderr
    said = turns(result.stdout)
    assert len(said) == 4
    assert said[0][0] == EMERGENCY_VOICE
    for turn in said[1:]:
        assert_999_said(turn)
    assert "Step 1: avoid blame" in " ".join(said[1]) and said[2] == said[1]
    assert "Main menu." in said[3]
    assert result.stdout.rstrip().endswith("[end of input: the caller hangs up]")


def test_words_are_speech_and_an_empty_line_is_silence():
    result = call("helpline\n\n\n\n", "--at", TUESDAY_11AM)
    said = turns(result.stdout)
    assert "0 3 4 4, 3 8 1, 4 7 7 2" in " ".join(said[1])
    assert "Please press a key, or say what you need." in said[2]
    assert said[-1][-1].endswith("Goodbye.") and "[the line hangs up]" in result.stdout
    assert result.returncode == 0


def test_a_transfer_is_shown_in_opening_hours():
    result = call("2\n2\n", "--at", TUESDAY_11AM)  # helplines, then "put me through"
    assert "[transfer: the call is put through to +443443814772]" in result.stdout
    assert "Your call to the helpline has ended." in result.stdout


def test_out_of_hours_there_is_no_transfer():
    result = call("2\n1\n", "--at", "2026-12-25T11:00", "--from", "+447400123456")
    assert "[transfer" not in result.stdout
    assert "It opens on Tuesday 29 December at 10 in the morning." in result.stdout


def test_a_withheld_caller_keys_a_number_and_the_text_is_shown():
    result = call("4\n2\n1\n07400123456#\n1\n", "--from", "anonymous")
    assert "You keyed 0 7 4 0 0, 1 2 3 4 5 6." in result.stdout
    assert "[text to +44 7*** ***456, the 'followup' page:]" in result.stdout
    assert "7400123456" not in result.stdout  # masked, like the console sender
    assert "https://takeitdown.ncmec.org" in result.stdout
    assert "If that number can get texts from this line, the text will be there in a minute or two." in result.stdout


def test_a_broken_pack_is_named_and_fails(tmp_path):
    result = call("", "--pack", str(tmp_path))
    assert result.returncode == 2 and "no .toml files" in result.stderr
