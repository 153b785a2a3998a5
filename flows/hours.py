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
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
UK = ZoneInfo("Europe/London")
# A pack's nation, and its subdivision in the ``holidays`` calendar for the UK.
NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
DEFAULT_NATION = "england"
# Opening hours repeat weekly; a run of bank holidays never closes a line for a month.
_SEARCH_DAYS = 31


# A period may run to midnight: "24:00" is the last moment of the day.
_MIDNIGHT = "24:00"
_END_OF_DAY = dt.time.max
# Whether a period holds on bank holidays: not then, then as on any day, or only then.
BANK_HOLIDAY_RULES = ("closed", "open", "only")


@dataclass(frozen=True)
class Period:
    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    bank_holidays: str = "closed"

    @classmethod
    def from_pack(cls, data: object) -> Period:
        if not isinstance(data, dict):
            raise ValueError("each opening period must be a table")
        unknown = set(data) - {"days", "opens", "closes", "bank_holidays"}
        if unknown:
            raise ValueError(f"opening has unknown fields: {', '.join(sorted(unknown))}")
        days = data.get("days")
        if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
            raise ValueError(f"opening days must be a list of {', '.join(DAYS)}")
        try:
            opens = dt.time.fromisoformat(data["opens"])
            closes = _END_OF_DAY if data["closes"] == _MIDNIGHT else dt.time.fromisoformat(data["closes"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("opening needs opens and closes as HH:MM") from None
        if closes <= opens:
            raise ValueError("opening closes before it opens")
        bank = data.get("bank_holidays", "closed")
        if bank not in BANK_HOLIDAY_RULES:
            raise ValueError(f"opening bank_holidays must be one of {', '.join(BANK_HOLIDAY_RULES)}")
        return cls(frozenset(DAYS.index(d) for d in days), opens, closes, bank)

    def holds_on(self, day: dt.date, bank_holiday: bool) -> bool:
        if self.bank_holidays == "only":
            return bank_holiday
        if bank_holiday and self.bank_holidays == "closed":
            return False
        return day.weekday() in self.days


@dataclass(frozen=True)
class Opening:
    """When a line answers: ``always`` (24 hours, every day), or one or more periods
    (a table or a list of tables in the pack: weekdays and weekends may differ)."""

    periods: tuple[Period, ...] = ()
    always: bool = False
    nation: str = DEFAULT_NATION

    @classmethod
    def from_pack(cls, data: object, nation: str = DEFAULT_NATION) -> Opening:
        """The pack's ``opening`` ("always", a table or a list of them); ValueError saying what is wrong."""
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}")
        if data == "always":
            return cls(always=True, nation=nation)
        if isinstance(data, str):
            raise ValueError('opening must be "always", a table or a list of tables')
        tables = data if isinstance(data, list) else [data]
        if not tables:
            raise ValueError("opening lists no periods")
        return cls(tuple(Period.from_pack(t) for t in tables), nation=nation)

    def _periods_on(self, day: dt.date) -> list[Period]:
        bank = day in bank_holidays(self.nation)
        return [p for p in self.periods if p.holds_on(day, bank)]

    def is_open(self, at: dt.datetime) -> bool:
        if self.always:
            return True
        local = uk_time(at)
        return any(
            p.opens <= local.time() <= p.closes if p.closes == _END_OF_DAY else p.opens <= local.time() < p.closes
            for p in self._periods_on(local.date())
        )

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When it next opens (UK time), if it is closed at ``at``."""
        if self.always:
            return None
        local = uk_time(at)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            starts = sorted(dt.datetime.combine(day, p.opens, tzinfo=UK) for p in self._periods_on(day))
            for opening in starts:
                if opening > local and not self.is_open(opening - dt.timedelta(minutes=1)):
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
