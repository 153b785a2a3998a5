"""``signpost check``'s report on each pack, made when the pack is loaded, never while a
page is asked for.

The check reads every page for reading ease, speaking time and safety: about half a
second of CPU on an idle machine and 1 to 2 s on a busy one. The console runs in the
web process that answers the webhooks (gevent: one CPU-bound request holds every
other), so a review page that ran it made a text sent meanwhile wait 0.9 s. The
report depends only on the pack's files, so it is made at start-up (``prepare``, from
the app factory: with gunicorn's preload, once, before the workers fork) and kept by a
digest of those files; a copy of the same files shares it. The one thing that depends
on the day, whether a review-by date has passed, is worked out as the page is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

from flows.check import Report, check_pack
from flows.pack import Pack

log = logging.getLogger("signpost.console")

_by_digest: dict[str, Report] = {}
_digests: dict[tuple[str, str], str] = {}  # (pack id, folder) -> digest of its files, as loaded


def digest(folder: Path) -> str:
    """A short digest of the pack's files: two deployments serve the same content when it agrees."""
    found = hashlib.sha256()
    for path in sorted(folder.glob("*.toml")):
        found.update(path.name.encode() + b"\0" + path.read_bytes())
    return found.hexdigest()[:12]


def prepare(packs: list[Pack]) -> None:
    """Check each pack once per set of files (at start-up, before any request)."""
    for pack in packs:
        key = (pack.id, str(pack.path))
        _digests[key] = digest(Path(pack.path))
        if _digests[key] not in _by_digest:
            _by_digest[_digests[key]] = check_pack(pack.path, dt.date.today())
            log.info("content %s checked for the review page", pack.id)


def version(pack: Pack) -> str:
    return _digests.get((pack.id, str(pack.path)), "")


def report(pack: Pack) -> Report | None:
    """The pack's report, or None when it was not made at start-up (never made here)."""
    return _by_digest.get(version(pack))
