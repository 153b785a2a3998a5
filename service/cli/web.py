"""``signpost web``: the Procfile's web process, for where there is no Procfile (a container).

It runs exactly the Procfile's ``web:`` command (a test holds them equal), so
an image's ``signpost web`` and a PaaS's Procfile serve the line the same way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

# The Procfile's web line; gunicorn reads PORT, WEB_CONCURRENCY and the rest itself.
WEB_COMMAND = ("gunicorn", "--config", "python:service.web.gunicorn_conf", "service.web.wsgi:app")


def gunicorn() -> str:
    """gunicorn beside this Python (a virtualenv need not be on PATH), else from PATH."""
    beside = Path(sys.executable).parent / "gunicorn"
    return str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")


def cmd_web(args: argparse.Namespace) -> int:
    command = [gunicorn(), *WEB_COMMAND[1:]]
    # Replaces this process, so the container's signals reach gunicorn's arbiter directly.
    os.execv(command[0], command)
    return 0  # not reached


def register(commands) -> None:
    web = commands.add_parser("web", help="serve the webhooks with gunicorn, as the Procfile's web line")
    web.set_defaults(handler=cmd_web)
