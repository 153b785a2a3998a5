"""`make capacity` keeps running as the line changes: a short run, its output read, no figure judged."""

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_the_capacity_script_measures_every_kind_of_webhook_and_prints_the_table():
    run = subprocess.run(
        [sys.executable, "tests/load/capacity.py", "--conversations", "20"], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for kind in ("sms turn", "voice start", "voice step"):
        [row] = [line for line in lines if line.startswith(kind)]
        evalsha = float(row.split(" EVALSHA")[0].split()[-1])
        assert round(evalsha) == 1  # one round trip a webhook (the first also loads the script)
    assert [line.split("|")[0].strip() for line in lines if line.strip().split("|")[0].strip() in ("1", "10", "150")] == ["1", "10", "150"]
    assert any(line.startswith("memory per thousand conversations a day:") for line in lines)
