"""When a helpline is open: the pack's ``opening`` data, the UK clock and the nation's bank holidays.

A caller must never be put through to a line that is closed, nor told a line is
closed when it is open. The hours are the pack's (``numbers.NAME.opening``); the
bank holidays are the maintained ``holidays`` calendar for the nation the pack
names (``[pack] nation``: England, Wales, Scotland and Northern Ireland each have
their own), not a list kept by hand that would go stale. The time always comes from the caller's event,
never from the machine's clock, so tests can say what time it is.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
UK = ZoneInfo("Europe/London")
# A pack's nation, and its subdivision in the ``holidays`` calendar for the UK.
NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
DEFAULT_NATION = "england"
# Opening hours repeat weekly; a run of bank holidays never closes a line for a month.
_SEARCH_DAYS = 31


@dataclass(frozen=True)
class Opening:
    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    closed_on_bank_holidays: bool = True
    nation: str = DEFAULT_NATION

    @classmethod
    def from_pack(cls, data: dict, nation: str = DEFAULT_NATION) -> Opening:
        """The pack's ``opening`` table; ValueError saying what is wrong with it."""
        unknown = set(data) - {"days", "opens", "closes", "bank_holidays"}
        if unknown:
            raise ValueError(f"opening has unknown fields: {', '.join(sorted(unknown))}")
        days = data.get("days")
        if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
            raise ValueError(f"opening days must be a list of {', '.join(DAYS)}")
        try:
            opens = dt.time.fromisoformat(data["opens"])
            closes = dt.time.fromisoformat(data["closes"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("opening needs opens and closes as HH:MM") from None
        if closes <= opens:
            raise ValueError("opening closes before it opens")
        bank = data.get("bank_holidays", "closed")
        if bank not in ("closed", "open"):
            raise ValueError("opening bank_holidays must be 'closed' or 'open'")
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}")
        return cls(frozenset(DAYS.index(d) for d in days), opens, closes, bank == "closed", nation)

    def _open_on(self, day: dt.date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.closed_on_bank_holidays and day in bank_holidays(self.nation))

    def is_open(self, at: dt.datetime) -> bool:
        local = uk_time(at)
        return self._open_on(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When it next opens (UK time), if it is closed at ``at``."""
        local = uk_time(at)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if not self._open_on(day):
                continue
            opening = dt.datetime.combine(day, self.opens, tzinfo=UK)
            if opening > local:
                return opening
        return None


@functools.cache
def bank_holidays(nation: str) -> holidays.HolidayBase:
    """The nation's bank holidays; one calendar each, filled in by year as asked."""
    return holidays.country_holidays("GB", subdiv=NATIONS[nation])


def uk_time(at: dt.datetime) -> dt.datetime:
    """``at`` on the UK clock; a time without a zone is taken to be UTC, as Twilio's are."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(UK)


def spoken_time(moment: dt.time) -> str:
    """``10:00`` -> ``10 in the morning``: no "am", no "hundred hours" for a voice to mangle."""
    hour, minute = moment.hour, moment.minute
    if hour == 12 and minute == 0:
        return "12 noon"
    part = "in the morning" if hour < 12 else "in the afternoon" if hour < 18 else "in the evening"
    clock = hour % 12 or 12
    return f"{clock} {minute:02d} {part}" if minute else f"{clock} {part}"


def spoken_when(opening: dt.datetime, now: dt.datetime) -> str:
    """``today at 10 in the morning``, ``tomorrow at ...``, ``on Monday 28 December at ...``."""
    today = uk_time(now).date()
    day = opening.date()
    at = f"at {spoken_time(opening.time())}"
    if day == today:
        return f"today {at}"
    if day == today + dt.timedelta(days=1):
        return f"tomorrow {at}"
    return f"on {DAY_NAMES[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {at}"
