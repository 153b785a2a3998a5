"""The layering contracts (pyproject.toml, checked by lint-imports in `make test`) can fail.

A contract nothing could break checks nothing: each one is broken here, in a copy
of the code, and lint-imports must say so by name.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    copy = tmp_path_factory.mktemp("tree")
    for name in ("flows", "service", "messages"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def test_the_code_as_it_is_keeps_every_contract(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("flows/gsm.py", "import redis", "flows is pure"),
        ("flows/voice.py", "import service.state.keys", "flows is pure"),
        ("service/state/keys.py", "import service.web.app", "the shell's layers import only downwards"),
        ("service/line.py", "import service.followups.asking", "the shell's layers import only downwards"),
        ("flows/pack/model.py", "import flows.voice", "the engine sits on the channels"),
        ("service/web/sms.py", "import service.web.voice", "the webhooks do not import each other"),
        ("service/state/keys.py", "import service.state.store", "no import cycles"),
        ("service/web/console/blueprint.py", "import service.web.console.usage", "no import cycles"),
    ],
)
def test_an_import_against_the_layering_breaks_its_contract(tree, module, line, contract):
    path = tree / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # against the layering\n")
    try:
        result = lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert " 0 broken" not in result.stdout, result.stdout
    # The broken contract is named under its heading, after the summary.
    assert contract in result.stdout.split("Broken contracts", 1)[1], result.stdout
