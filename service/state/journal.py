"""Opt-outs that arrive while Redis is down are written to local disk, then replayed.

Why a journal and not "try again later": a STOP is a person's instruction, and the
webhook that carried it has already been answered, so nothing would ever retry it.
Why local disk: it is the one store that is there when Redis is not. Each line is
one ``write`` to a file opened for append, so gunicorn's worker processes can share
the file safely (POSIX appends of less than PIPE_BUF bytes do not interleave). The
line holds the HMAC pseudonym, never the number.

Each line carries the time of the change, and the key of the delivery that made it.
Replay applies a change only if it is newer than the person's last change in Redis and
its delivery is not already on record, and the script that replays decides that (see
``scripts.REPLAY``): a START journalled in an outage, replayed after the same person's
later STOP reached Redis through another web process, would otherwise opt them back
in; so would a captured START sent again while Redis was away. Replay happens on the
first request that finds Redis answering again, before that request's own change (one
that Redis answers but refuses, while it is full, is tried again 30 s later, not on every
text; Redis away is no refusal), and always before a STOP, a START or a text asked for
by voice, after any replay another process has under way. The file is renamed first, so
exactly one process replays it, and what a process was replaying when it died is put
back in the journal by the next that looks. Each replayed delivery is kept on record
whether or not it still applied, so a captured copy of it sent later is known as a
repeat. With replicas to confirm, entries
go back in the journal until a replica holds them, so a failover straight after a
replay cannot lose them. A disk that does not survive a
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

log = logging.getLogger("signpost.journal")
EFFECTS = tuple(Effect)


class OptOutJournal:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def record(self, number_id: str, effect: str, at: float | None = None, delivery: str | None = None) -> None:
        """Keep one change, made at ``at`` (default: now), by the delivery whose answer is
        kept under ``delivery`` (the text's key in Redis), if it came with one."""
        if effect not in EFFECTS:
            return
        try:
            self._append(_line(time.time() if at is None else at, effect, number_id, delivery or ""))
        except OSError as exc:
            # A full or read-only disk: the change cannot be kept here either, and raising
            # would turn the text's answer into the error page, past every cap. Twilio's own
            # opt-out handling, and its error 21610, remain.
            log.error("redis unavailable and the journal cannot be written (%s): %s for %s NOT kept", exc, effect, number_id[:10])
            return
        log.warning("redis unavailable or not confirmed: %s for %s kept in the journal", effect, number_id[:10])

    def _append(self, lines: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)

    def adopt_orphans(self) -> None:
        """Put back in the journal what a process was replaying when it died (its file is
        named by its pid), so no entry waits for good in a file nobody will replay."""
        for pid in self._replaying():
            if not pid.isdigit() or _alive(int(pid)):
                continue
            orphan = self.path.with_name(f"{self.path.name}.{pid}.replaying")
            try:
                lines = orphan.read_text()
                orphan.unlink()
            except FileNotFoundError:
                continue  # another process adopted it first
            if lines:
                self._append(lines)  # each line whole: replay sorts and dedupes them

    def wait_for_replays(self, seconds: float) -> None:
        """Until no other living process is replaying (at most ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(
            pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)) for pid in self._replaying()
        ):
            time.sleep(0.01)  # gevent's, in a web worker: other requests go on meanwhile

    def _replaying(self) -> list[str]:
        """The pids of the processes with a replay under way (their claimed files)."""
        prefix = f"{self.path.name}."
        return [f.name.removeprefix(prefix).removesuffix(".replaying") for f in self.path.parent.glob(f"{prefix}*.replaying")]

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:  # none, or a folder that cannot be read: nothing this process can replay
            return False

    def replay(self, store) -> int | None:
        """Apply journalled opt-outs and opt-ins to Redis in order; return how many, or None
        when Redis would not take them (they are back in the journal)."""
        claimed = self.path.with_name(f"{self.path.name}.{os.getpid()}.replaying")
        try:
            os.rename(self.path, claimed)
        except FileNotFoundError:
            return 0  # another process is replaying it
        entries = _in_order(claimed.read_text().splitlines())
        try:
            applied = store.replay_opt_changes(entries)
        except redis.RedisError as exc:  # store.NotKept among them
            # Redis went again, or no replica has them yet: put the entries back, with
            # their own times, for the next replay (applying one twice changes nothing).
            for entry in entries:  # a line a write: see the module docstring
                self._append(_line(*entry))
            claimed.unlink(missing_ok=True)
            if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
                # Redis is away, not refusing: the caller's fallback answers, and the
                # next request that finds Redis replays at once (no wait for a refusal).
                raise
            return None
        claimed.unlink(missing_ok=True)
        log.info(
            "journal replayed: %d of %d opt-out changes applied (any others were older than the person's last change)",
            applied,
            len(entries),
        )
        return applied


def _in_order(lines: list[str]) -> list[tuple[float, str, str, str]]:
    """The journal's changes by the time each was made, each delivery's once (its earliest).

    By time: web processes append as they go, and one putting back a replay Redis refused
    appends after others' newer lines, so the file's order is not the order of events.
    Each delivery once: a delivery sent again (Twilio's retry, or a captured STOP or START
    replayed through an outage) changes nothing after its first, and a flood of them must
    not grow the journal without end.
    """
    entries, seen = [], set()
    for line in lines:
        parts = line.split()
        if len(parts) not in (3, 4) or parts[1] not in EFFECTS:
            continue
        try:
            at = float(parts[0])
        except ValueError:
            continue
        entries.append((at, parts[1], parts[2], parts[3] if len(parts) == 4 else ""))
    entries.sort(key=lambda entry: entry[0])
    kept = []
    for entry in entries:
        if entry[3]:
            if entry[3] in seen:
                continue
            seen.add(entry[3])
        kept.append(entry)
    return kept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _line(at: float, effect: str, number_id: str, delivery: str) -> str:
    """One journal line: the time, the change, the person's pseudonym and, when the change
    came with a delivery, the key its answer is kept under (so a replay of it is known)."""
    return f"{at:.6f} {effect} {number_id}{' ' + delivery if delivery else ''}\n"
