"""The reply caps a machine's web processes keep while Redis cannot keep them.

Every cap on replies lives in Redis, in the answer script. When Redis refuses a write
(full under ``noeviction``, a demoted primary, no replica to confirm) or cannot be
reached, the script fails and the text is answered without it. Without caps of their
own the processes would then answer every text, abroad included, with no limit: a cap
that fails open is what a pumping attack waits for. So they count for themselves over
the last hour (a sliding hour, as Redis counts: an outage that spans the hour's turn gets
no second allowance):

- replies abroad stop altogether (they are the ones pumping pays for);
- each number gets ``per_number`` replies from this machine: its share of what Redis
  would allow (the number's texts may reach any machine);
- the machine sends its share of the line's ceiling (the ceiling over the number of
  machines), and past it tells each texter once that the line is busy, up to twice its
  share in all (busy notices and opt-out confirmations count too).

Why a file on local disk (SQLite) and not each process's memory: gunicorn's workers on
one machine must count together. Counted apart, a number's texts spread over the workers
got each worker's share from nought, and a worker that never saw what Redis had counted
for a number, or for the line, started from nought too. SQLite is in the standard library,
serialises writers across processes, and each decision is one short transaction, so two
workers cannot both send the last reply. A decision the file cannot take (disk full,
locked for seconds) is silence: the closed side.

It starts from what Redis counted, so nothing Redis counted is sent again: each answer
Redis gives says what the line and the texter were sent in the last hour, and the
machine remembers its part of those (``redis_counted``) for an hour; while Redis refuses
writes it can still be read, and each text reads them afresh. What the machine sent on
its own is given back to Redis once Redis takes writes again (``take_unrecorded``), by
whichever process is first to find Redis back, before that process answers anything.

The file holds pseudonyms (the HMAC of a number, never the number) and times, nothing
older than an hour. Its size is bounded by the line's ceiling: only texters sent
something are remembered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path

log = logging.getLogger("signpost.local_caps")

HOUR = 3600
LINE = ""  # the line's own row among the counts, beside each texter's pseudonym
FORGET_EVERY = 60.0  # seconds between clearing out what is older than the hour
LOCK_WAIT_MS = 2000  # a writer holds the file for microseconds; seconds mean trouble
# The file unusable (locked, corrupt, the folder not writable): never an error to Twilio.
FILE_ERRORS = (sqlite3.Error, OSError)

# A write-back claimed this long ago and not finished is taken to have died with its process.
CLAIM_SECONDS = 10.0
SCHEMA_VERSION = 2  # a file of another version is only an hour of counts: started afresh
SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    person TEXT NOT NULL, at REAL NOT NULL, record_as TEXT NOT NULL, recorded INTEGER NOT NULL DEFAULT 0,
    claimed_at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sent_by_person ON sent (person, at);
CREATE INDEX IF NOT EXISTS sent_unrecorded ON sent (recorded, at);
CREATE TABLE IF NOT EXISTS told_busy (person TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counted (person TEXT PRIMARY KEY, at REAL NOT NULL, part INTEGER NOT NULL);
"""


class Decision(StrEnum):
    ANSWER = "answer"  # send the page
    BUSY = "busy"  # tell them the line is busy
    SILENT = "silent"  # send nothing


def _share(count: int, machines: int) -> int:
    return -(-count // machines)  # rounded up: a machine never assumes less was sent


class LocalCaps:
    def __init__(self, path: str | Path, per_number: int, line_share: int, machines: int = 1, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.per_number = per_number
        self.line_share = max(1, line_share)
        self.machines = max(1, machines)
        self.clock = clock
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._forgotten = float("-inf")

    # -- the file --------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per process: gunicorn forks after the app is built, and an SQLite
        # connection must not cross a fork.
        if self._db is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))  # pseudonyms: owner only
            db = sqlite3.connect(self.path, timeout=LOCK_WAIT_MS / 1000, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # Counts for an hour: losing the last of them to a power cut loses nothing
            # Redis will not count again, so no flush to disk on each decision.
            db.execute("PRAGMA synchronous=OFF")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.executescript("DROP TABLE IF EXISTS sent; DROP TABLE IF EXISTS told_busy; DROP TABLE IF EXISTS counted;")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.executescript(SCHEMA)
            self._db, self._pid = db, os.getpid()
        return self._db

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction that holds the file's write lock from its first read, so what
        is read is still true when the decision is written."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _forget_before(self, db: sqlite3.Connection, now: float) -> None:
        if now - self._forgotten < FORGET_EVERY:
            return
        self._forgotten = now
        since = now - HOUR
        db.execute("DELETE FROM sent WHERE at <= ?", (since,))
        db.execute("DELETE FROM told_busy WHERE at <= ?", (since,))
        db.execute("DELETE FROM counted WHERE at <= ?", (since,))

    # -- counting ----------------------------------------------------------------------

    def _counted(self, db: sqlite3.Connection, person: str, now: float) -> tuple[float, int]:
        """(when, part): this machine's part of what Redis last counted for ``person``
        (or the line), if within the hour."""
        row = db.execute("SELECT at, part FROM counted WHERE person = ?", (person,)).fetchone()
        return (row[0], row[1]) if row and row[0] > now - HOUR else (float("-inf"), 0)

    def _sent_to(self, db: sqlite3.Connection, person: str, now: float) -> int:
        """What ``person`` was sent in the last hour, as far as this machine knows: its part
        of what Redis last counted for them, and what it sent them itself since."""
        when, part = self._counted(db, person, now)
        # At or after the count's time: a reply sent in the same instant the count was
        # taken (the first decision after seeding) is not in it.
        since_when = when if when > now - HOUR else now - HOUR + 1e-6
        (since,) = db.execute("SELECT COUNT(*) FROM sent WHERE person = ? AND at >= ?", (person, since_when)).fetchone()
        return part + since

    def _line_sent(self, db: sqlite3.Connection, now: float) -> int:
        when, part = self._counted(db, LINE, now)
        since_when = when if when > now - HOUR else now - HOUR + 1e-6
        (since,) = db.execute("SELECT COUNT(*) FROM sent WHERE at >= ?", (since_when,)).fetchone()
        return part + since

    def _seed(self, db: sqlite3.Connection, person: str, now: float, part: int, fresh: bool) -> None:
        """Start ``person``'s (or the line's) count at ``part`` from ``now``; read again
        while Redis refuses writes (``fresh`` False), the first reading stands unless this
        one is higher, since the machine counts its own sends from the first."""
        when, had = self._counted(db, person, now)
        if not fresh and when > float("-inf") and had >= part:
            return
        db.execute("INSERT OR REPLACE INTO counted (person, at, part) VALUES (?, ?, ?)", (person, now, part))

    def decide(
        self, person: str, *, abroad: bool, page: bool, confirms_opt_change: bool, sent_before: int = 0, record_as: str = ""
    ) -> Decision:
        """Whether this machine may reply to ``person`` now, and count it if so. ``page``:
        the reply has one (Twilio's own opt-out answers have none); ``confirms_opt_change``:
        it confirms an opt-out or opt-in, which the line's ceiling never holds back;
        ``sent_before``: the replies Redis counted for them in the last hour, when it can
        still be read (this machine starts at its part of them); ``record_as``: their
        replies key in Redis, where what is sent is given back once Redis takes writes."""
        if not page or abroad:
            return Decision.SILENT
        now = self.clock()
        try:
            with self._writing() as db:
                self._forget_before(db, now)
                if sent_before:
                    self._seed(db, person, now, _share(sent_before, self.machines), fresh=False)
                if self._sent_to(db, person, now) >= self.per_number:
                    return Decision.SILENT
                # As the answer script: past the share, a confirmation still goes and everyone
                # else is told once that the line is busy; every message sent counts, and at
                # twice the share nothing more goes, so a stream of new numbers cannot pass it.
                line = self._line_sent(db, now)
                decision = Decision.ANSWER
                if line >= 2 * self.line_share or (line >= self.line_share and not confirms_opt_change):
                    told = db.execute("SELECT 1 FROM told_busy WHERE person = ? AND at > ?", (person, now - HOUR)).fetchone()
                    if confirms_opt_change or line >= 2 * self.line_share or told:
                        return Decision.SILENT
                    db.execute("INSERT OR REPLACE INTO told_busy (person, at) VALUES (?, ?)", (person, now))
                    decision = Decision.BUSY
                db.execute("INSERT INTO sent (person, at, record_as) VALUES (?, ?, ?)", (person, now, record_as))
                return decision
        except FILE_ERRORS as exc:
            log.error("the local caps file %s cannot decide (%s): no reply", self.path, exc)
            return Decision.SILENT

    def redis_counted(self, person: str, texter: int, line: int) -> None:
        """Redis has just counted this turn: what ``person`` and the whole line were sent in
        the last hour. Should Redis then fail, this machine starts from its part of those."""
        now = self.clock()
        try:
            with self._writing() as db:
                # Cleared here too, not only when deciding: in a healthy hour this is the one
                # write, and a pseudonym kept past its hour would break the file's promise.
                self._forget_before(db, now)
                self._seed(db, LINE, now, _share(line, self.machines), fresh=True)
                if texter:
                    self._seed(db, person, now, _share(texter, self.machines), fresh=True)
        except FILE_ERRORS as exc:
            log.error("the local caps file %s cannot keep what Redis counted (%s)", self.path, exc)

    def line_counted(self, sent: int) -> None:
        """What the line was sent in the last hour, read while Redis refuses writes: the
        first reading stands (nothing is written meanwhile), and this machine counts on from it."""
        now = self.clock()
        try:
            with self._writing() as db:
                self._seed(db, LINE, now, _share(sent, self.machines), fresh=False)
        except FILE_ERRORS as exc:
            log.error("the local caps file %s cannot keep the line's count (%s)", self.path, exc)

    # -- giving back to Redis ------------------------------------------------------------

    def has_unrecorded(self) -> bool:
        """Whether anything sent in the last hour is not yet counted in Redis, waiting or
        being counted by some process now: a read of one index entry, made before every
        text (answered by Redis meanwhile, a text would be counted without them)."""
        try:
            row = self._connection().execute("SELECT 1 FROM sent WHERE recorded = 0 AND at > ? LIMIT 1", (self.clock() - HOUR,)).fetchone()
        except FILE_ERRORS as exc:
            log.error("the local caps file %s cannot be read (%s)", self.path, exc)
            return False
        return row is not None

    def take_unrecorded(self, limit: int | None = None) -> list[tuple[int, str, float]]:
        """What this machine sent while Redis could not count it, ``(id, replies key, time)``,
        the oldest first, ``limit`` at most, none older than the hour and none another
        process is counting: claimed, so no other process gives the same back. Hand them to
        ``counted`` once Redis has them, or to ``give_back`` if it will not take them."""
        now = self.clock()
        try:
            with self._writing() as db:
                rows = db.execute(
                    "SELECT rowid, record_as, at FROM sent WHERE recorded = 0 AND at > ? AND claimed_at < ? ORDER BY at LIMIT ?",
                    (now - HOUR, now - CLAIM_SECONDS, -1 if limit is None else limit),
                ).fetchall()
                db.executemany("UPDATE sent SET claimed_at = ? WHERE rowid = ?", [(now, rowid) for rowid, _, _ in rows])
        except FILE_ERRORS as exc:
            log.error("the local caps file %s cannot be read (%s)", self.path, exc)
            return []
        return rows

    def counted(self, taken: list[tuple[int, str, float]]) -> None:
        self._mark(taken, "recorded = 1", "cannot mark what Redis has counted")

    def give_back(self, taken: list[tuple[int, str, float]]) -> None:
        self._mark(taken, "claimed_at = 0", "cannot give back what Redis did not count")

    def _mark(self, taken: list[tuple[int, str, float]], change: str, failing: str) -> None:
        try:
            with self._writing() as db:
                db.executemany(f"UPDATE sent SET {change} WHERE rowid = ?", [(rowid,) for rowid, _, _ in taken])
        except FILE_ERRORS as exc:
            log.error("the local caps file %s %s (%s)", self.path, failing, exc)
