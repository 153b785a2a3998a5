"""The reply caps one web process keeps for itself while Redis cannot keep them.

Every cap on replies lives in Redis, in the answer script. When Redis refuses a write
(full under ``noeviction``, a demoted primary, no replica to confirm) or cannot be
reached, the script fails and the text is answered without it. Without caps of its
own the process would then answer every text, abroad included, with no limit: a cap
that fails open is what a pumping attack waits for. So the process counts for itself,
in memory, for the current clock hour:

- replies abroad stop altogether (they are the ones pumping pays for);
- each number gets ``per_number`` replies from this process: its share of what Redis
  would allow (the number's texts may reach any process);
- the process sends its share of the line's ceiling (the ceiling over the number of
  web processes), and past it tells each texter once that the line is busy, up to
  twice its share in all (busy notices and opt-out confirmations count too). Each
  answer Redis gives says what the line has sent this hour, and the process starts its
  own count at its part of that (``line_counted``): what Redis counted is not sent again.
  While Redis refuses writes it can still be read: each text then reads what Redis
  counted for its texter and for the line in the last hour, and starts from there.

Memory is bounded: a number is remembered only once it has been answered or told the
line is busy, and both are capped by the process's share of the ceiling and by
``MAX_REMEMBERED``; past that a texter gets no reply, which is the closed side.
Single-threaded under gevent, as each web worker is, so plain dictionaries do.
"""

from __future__ import annotations

import time
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
        self._hour = -1
        self._replies: dict[str, int] = {}
        self._told_busy: set[str] = set()
        self._line = 0

    def _this_hour(self) -> None:
        hour = int(self.clock() // HOUR)
        if hour != self._hour:
            self._hour, self._line = hour, 0
            self._replies.clear()
            self._told_busy.clear()

    def decide(self, person: str, *, abroad: bool, page: bool, confirms_opt_change: bool, sent_before: int = 0) -> Decision:
        """Whether this process may reply to ``person`` now, and count it if so. ``page``:
        the reply has one (Twilio's own opt-out answers have none); ``confirms_opt_change``:
        it confirms an opt-out or opt-in, which the line's ceiling never holds back;
        ``sent_before``: the replies Redis counted for them in the last hour, when it can
        still be read (this process starts at its part of them)."""
        if not page or abroad:
            return Decision.SILENT
        self._this_hour()
        sent = max(self._replies.get(person, 0), -(-sent_before // self.processes))
        if sent >= self.per_number or (not sent and len(self._replies) >= MAX_REMEMBERED):
            return Decision.SILENT
        # As the answer script: past the share, a confirmation still goes and everyone else
        # is told once that the line is busy; every message sent counts, and at twice the
        # share nothing more goes, so a stream of new numbers cannot pass it.
        past_share = self._line >= self.line_share
        if past_share and (not confirms_opt_change or self._line >= 2 * self.line_share):
            if (
                confirms_opt_change
                or self._line >= 2 * self.line_share
                or person in self._told_busy
                or len(self._told_busy) >= MAX_REMEMBERED
            ):
                return Decision.SILENT
            self._told_busy.add(person)
            self._replies[person] = sent + 1
            self._line += 1
            return Decision.BUSY
        self._replies[person] = sent + 1
        self._line += 1
        return Decision.ANSWER

    def line_counted(self, sent: int) -> None:
        """Redis has just said the line has sent ``sent`` messages this hour. Should Redis
        then refuse writes, this process starts the hour's count at its part of them (every
        process hears the same, so together they start at the line's count), not at
        nought: the ceiling's remainder is all that is left to send."""
        self._this_hour()
        self._line = max(self._line, -(-sent // self.processes))

    @property
    def used(self) -> bool:
        """Whether it has decided anything this hour (so Redis has failed lately)."""
        self._this_hour()
        return bool(self._replies or self._told_busy)
