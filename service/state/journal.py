"""Opt-outs that arrive while Redis is down are written to local disk, then replayed.

Why a journal and not "try again later": a STOP is a person's instruction, and the
webhook that carried it has already been answered, so nothing would ever retry it.
Why local disk: it is the one store that is there when Redis is not. Each line is
one ``write`` to a file opened for append, so gunicorn's worker processes can share
the file safely (POSIX appends of less than PIPE_BUF bytes do not interleave). The
line holds the HMAC pseudonym, never the number.

Replay happens on the first request that finds Redis answering again: the file is
renamed first, so exactly one process replays it. A disk that does not survive a
restart (some platforms) can lose the journal; Twilio's own opt-out handling and
its error 21610, which the follow-up sender records as an opt-out, are the second
line of defence.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import redis

from flows.model import Effect

from service.state import keys

log = logging.getLogger("signpost.journal")
EFFECTS = tuple(Effect)


class OptOutJournal:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def record(self, number_id: str, effect: str) -> None:
        if effect not in EFFECTS:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{time.time():.3f} {effect} {number_id}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        log.warning("redis unavailable: %s for %s kept in the journal", effect, number_id[:10])

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def replay(self, store) -> int:
        """Apply journalled opt-outs and opt-ins to Redis in order; return how many."""
        claimed = self.path.with_name(f"{self.path.name}.{os.getpid()}.replaying")
        try:
            os.rename(self.path, claimed)
        except FileNotFoundError:
            return 0  # another process is replaying it
        entries = []
        for line in claimed.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in EFFECTS:
                entries.append((parts[1], parts[2]))
        try:
            with store.redis.pipeline(transaction=True) as pipe:
                for effect, number_id in entries:
                    key = keys.optout(number_id)
                    if effect == Effect.OPT_OUT:
                        pipe.set(key, "1")
                    else:
                        pipe.delete(key)
                pipe.execute()
        except redis.RedisError:
            # Redis went again: put the entries back for the next replay.
            for effect, number_id in entries:
                self.record(number_id, effect)
            claimed.unlink(missing_ok=True)
            return 0
        claimed.unlink(missing_ok=True)
        log.info("journal replayed: %d opt-out changes applied", len(entries))
        return len(entries)
