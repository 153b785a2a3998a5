"""The reply caps one web process keeps for itself while Redis cannot keep them.

Every cap on replies lives in Redis, in the answer script. When Redis refuses a write
(full under ``noeviction``, a demoted primary, no replica to confirm) or cannot be
reached, the script fails and the text is answered without it. Without caps of its
own the process would then answer every text, abroad included, with no limit: a cap
that fails open is what a pumping attack waits for. So the process counts for itself,
in memory, over the last hour (a sliding hour, as Redis counts: an outage that spans
the hour's turn gets no second allowance):

- replies abroad stop altogether (they are the ones pumping pays for);
- each number gets ``per_number`` replies from this process: its share of what Redis
  would allow (the number's texts may reach any process);
- the process sends its share of the line's ceiling (the ceiling over the number of
  web processes), and past it tells each texter once that the line is busy, up to
  twice its share in all (busy notices and opt-out confirmations count too).

It starts from what Redis counted, so nothing Redis counted is sent again: each answer
Redis gives says what the line and the texter were sent in the last hour, and the
process remembers its part of those (``redis_counted``) for an hour; while Redis
refuses writes it can still be read, and each text reads them afresh. And what the
process sent on its own is given back to Redis once Redis takes writes again
(``unrecorded``), so the hour after an outage counts it too.

Memory is bounded: a number is remembered only once it has been answered, told the
line is busy or counted by Redis, by ``MAX_REMEMBERED`` at most (the oldest go first);
past that a texter gets no reply, which is the closed side. Single-threaded under
gevent, as each web worker is, so plain dictionaries do.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

# More numbers than any honest hour brings to one process; beyond it, silence.
MAX_REMEMBERED = 10_000
HOUR = 3600


class Decision(StrEnum):
    ANSWER = "answer"  # send the page
    BUSY = "busy"  # tell them the line is busy
    SILENT = "silent"  # send nothing


class LocalCaps:
    def __init__(self, per_number: int, line_share: int, processes: int = 1, clock: Callable[[], float] = time.time):
        self.per_number = per_number
        self.line_share = max(1, line_share)
        self.processes = max(1, processes)
        self.clock = clock
        self._replies: dict[str, deque[float]] = {}  # person -> when this process replied
        self._told_busy: dict[str, float] = {}  # person -> when told the line is busy
        self._line: deque[float] = deque()  # when this process sent each message
        self._counted: dict[str, tuple[float, int]] = {}  # person -> (when, their part of Redis's count)
        self._line_counted = (float("-inf"), 0)  # (when, this process's part of the line's count)
        # (replies key, time) of each message sent while Redis could not count it.
        self.unrecorded: list[tuple[str, float]] = []

    def _forget_before(self, now: float) -> None:
        since = now - HOUR
        while self._line and self._line[0] <= since:
            self._line.popleft()
        for person in [p for p, times in self._replies.items() if times and times[-1] <= since]:
            del self._replies[person]
        for person in [p for p, at in self._told_busy.items() if at <= since]:
            del self._told_busy[person]

    def _sent_to(self, person: str, now: float, sent_before: int) -> int:
        """What ``person`` was sent in the last hour, as far as this process knows: its part
        of what Redis last counted for them, and what it sent them itself since."""
        if sent_before:
            self._seed_person(person, now, -(-sent_before // self.processes))
        when, part = self._counted.get(person, (float("-inf"), 0))
        if when <= now - HOUR:
            when, part = float("-inf"), 0
        return part + sum(1 for at in self._replies.get(person, ()) if at > max(when, now - HOUR))

    def _line_sent(self, now: float) -> int:
        when, part = self._line_counted
        if when <= now - HOUR:
            when, part = float("-inf"), 0
        return part + sum(1 for at in self._line if at > when)

    def _seed_person(self, person: str, now: float, part: int, fresh: bool = False) -> None:
        """Start ``person``'s count at ``part`` from ``now``; read again while Redis refuses
        writes (``fresh`` False) it keeps the first reading, since which this process counts."""
        when, had = self._counted.get(person, (float("-inf"), 0))
        if not fresh and when > now - HOUR and had >= part:
            return
        self._counted.pop(person, None)
        self._counted[person] = (now, part)
        while len(self._counted) > MAX_REMEMBERED:
            del self._counted[next(iter(self._counted))]

    def decide(
        self, person: str, *, abroad: bool, page: bool, confirms_opt_change: bool, sent_before: int = 0, record_as: str = ""
    ) -> Decision:
        """Whether this process may reply to ``person`` now, and count it if so. ``page``:
        the reply has one (Twilio's own opt-out answers have none); ``confirms_opt_change``:
        it confirms an opt-out or opt-in, which the line's ceiling never holds back;
        ``sent_before``: the replies Redis counted for them in the last hour, when it can
        still be read (this process starts at its part of them); ``record_as``: their
        replies key in Redis, where what is sent is given back once Redis takes writes."""
        if not page or abroad:
            return Decision.SILENT
        now = self.clock()
        self._forget_before(now)
        sent = self._sent_to(person, now, sent_before)
        known = person in self._replies or person in self._told_busy
        if sent >= self.per_number or (not known and len(self._replies) + len(self._told_busy) >= MAX_REMEMBERED):
            return Decision.SILENT
        # As the answer script: past the share, a confirmation still goes and everyone else
        # is told once that the line is busy; every message sent counts, and at twice the
        # share nothing more goes, so a stream of new numbers cannot pass it.
        line = self._line_sent(now)
        if line >= 2 * self.line_share or (line >= self.line_share and not confirms_opt_change):
            if confirms_opt_change or line >= 2 * self.line_share or person in self._told_busy:
                return Decision.SILENT
            self._told_busy[person] = now
            decision = Decision.BUSY
        else:
            decision = Decision.ANSWER
        self._replies.setdefault(person, deque()).append(now)
        self._line.append(now)
        self.unrecorded.append((record_as, now))
        return decision

    def redis_counted(self, person: str, texter: int, line: int) -> None:
        """Redis has just counted this turn: what ``person`` and the whole line were sent in
        the last hour. Should Redis then fail, this process starts from its part of those."""
        now = self.clock()
        self._line_counted = (now, -(-line // self.processes))
        if texter:
            self._seed_person(person, now, -(-texter // self.processes), fresh=True)

    def line_counted(self, sent: int) -> None:
        """What the line was sent in the last hour, read while Redis refuses writes: the
        first reading stands (nothing is written meanwhile), and this process counts on from it."""
        now = self.clock()
        when, part = self._line_counted
        if when <= now - HOUR or -(-sent // self.processes) > part:
            self._line_counted = (now, -(-sent // self.processes))

    def taken_unrecorded(self) -> list[tuple[str, float]]:
        """What was sent while Redis could not count it, handed over (and forgotten here)
        for Redis to count now that it takes writes; none older than the hour."""
        since = self.clock() - HOUR
        taken, self.unrecorded = [(key, at) for key, at in self.unrecorded if at > since], []
        return taken

    @property
    def used(self) -> bool:
        """Whether it has decided anything in the last hour (so Redis has failed lately)."""
        self._forget_before(self.clock())
        return bool(self._replies or self._told_busy)
