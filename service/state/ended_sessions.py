"""Console logouts that Redis could not record, kept on local disk while they matter.

A logout gives the account a new session generation in Redis, so every cookie issued
before it stops opening the console (``console.accounts``). When Redis is away or
refuses writes (full, or a demoted primary) that cannot happen, and without more a
cookie copied before the logout would open the console again as soon as Redis is back.
So the logout is also kept here, on the one store that is there when Redis is not,
and every console request asks here before it asks Redis: a cookie of an ended
generation is refused by every web process on this machine, at once and after Redis
recovers. The first login after that gives the account a new generation.

An entry is a hash of the account and its generation, never the generation itself (a
part of a live cookie), with the time it was ended. It matters only for as long as a
cookie of that generation can live (the console's session hours: Flask refuses an older
cookie itself), and is dropped after that. Writes rewrite the file under a lock, so
dropping old entries cannot lose one another process adds at the same moment; reads
take the file as it stands (the rewrite is a rename) and keep it in memory until it
changes. Like the opt-out journal, this is per machine: a line run on several machines
behind one address ends, in such an outage, the sessions that reach this one.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from pathlib import Path

log = logging.getLogger("signpost.console")


def _entry(name: str, generation: str) -> str:
    return hashlib.sha256(f"{name}\0{generation}".encode()).hexdigest()


class EndedSessions:
    def __init__(self, path: str | Path, lifetime: float):
        self.path = Path(path)
        self.lifetime = lifetime
        self._seen: tuple[int, int, int] | None = None  # (inode, mtime_ns, size) of what _ended holds
        self._ended: dict[str, float] = {}

    def end(self, name: str, generation: str, at: float | None = None) -> None:
        """Keep that every cookie of ``generation`` of account ``name`` is over."""
        at = time.time() if at is None else at
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            kept = {e: t for e, t in self._read().items() if t > at - self.lifetime}
            kept[_entry(name, generation)] = at
            fresh = self.path.with_name(f"{self.path.name}.{os.getpid()}.new")
            fresh.write_text("".join(f"{t:.0f} {e}\n" for e, t in kept.items()))
            fresh.chmod(0o600)
            fresh.replace(self.path)
        log.warning("console logout kept on local disk: the line's store could not record it")

    def ended(self, name: str, generation: str, now: float | None = None) -> bool:
        """Whether a logout kept here ended ``generation`` of ``name`` within a session's life."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return False
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._seen != seen:
            self._ended, self._seen = self._read(), seen
        at = self._ended.get(_entry(name, generation))
        return at is not None and at > (time.time() if now is None else now) - self.lifetime

    def _read(self) -> dict[str, float]:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return {}
        entries = {}
        for line in lines:
            at, _, entry = line.partition(" ")
            try:
                entries[entry] = float(at)
            except ValueError:
                continue  # a line cut short by a full disk: skipped, never a failed request
        return entries
