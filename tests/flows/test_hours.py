"""Helpline hours: the pack's opening data, the UK clock (GMT and BST), England's bank holidays."""

import datetime as dt

import shutil

import pytest

from flows.hours import NATIONS, Opening, spoken_time, spoken_when
from flows.pack import PackError, load_pack
from messages import DEFAULT_PACK_DIR

POSH = load_pack(DEFAULT_PACK_DIR).openings["posh"]
UTC = dt.timezone.utc

# (UTC time, open?, spoken next opening when closed)
CASES = [
    ("2026-11-24T09:59", False, "today at 10 in the morning"),  # Tuesday, GMT
    ("2026-11-24T10:00", True, None),
    ("2026-11-24T15:59", True, None),
    ("2026-11-24T16:00", False, "tomorrow at 10 in the morning"),
    ("2026-11-27T16:30", False, "on Monday 30 November at 10 in the morning"),  # Friday
    ("2026-11-28T12:00", False, "on Monday 30 November at 10 in the morning"),  # Saturday
    ("2026-06-01T09:30", True, None),  # 10:30 BST
    ("2026-06-01T08:59", False, "today at 10 in the morning"),  # 09:59 BST
    ("2026-06-01T15:00", False, "tomorrow at 10 in the morning"),  # 16:00 BST
    ("2026-08-31T10:00", False, "tomorrow at 10 in the morning"),  # summer bank holiday
    ("2026-12-24T17:00", False, "on Tuesday 29 December at 10 in the morning"),  # Christmas, Boxing Day observed
    ("2026-12-25T11:00", False, "on Tuesday 29 December at 10 in the morning"),
    ("2027-01-01T11:00", False, "on Monday 4 January at 10 in the morning"),  # New Year's Day
]


@pytest.mark.parametrize("when, is_open, spoken", CASES, ids=[c[0] for c in CASES])
def test_posh_hours(when, is_open, spoken):
    at = dt.datetime.fromisoformat(when).replace(tzinfo=UTC)
    assert POSH.is_open(at) is is_open
    opens = POSH.next_opening(at)
    if spoken:
        assert spoken_when(opens, at) == spoken
        assert not POSH.is_open(at) and POSH.is_open(opens)


def test_a_time_without_a_zone_is_utc():
    assert POSH.is_open(dt.datetime(2026, 6, 1, 14, 30))  # 15:30 BST
    assert not POSH.is_open(dt.datetime(2026, 6, 1, 15, 30))  # 16:30 BST


@pytest.mark.parametrize(
    "time, spoken",
    [
        ("10:00", "10 in the morning"),
        ("12:00", "12 noon"),
        ("16:00", "4 in the afternoon"),
        ("09:30", "9 30 in the morning"),
        ("20:00", "8 in the evening"),
        ("00:00", "12 in the morning"),
    ],
)
def test_spoken_time(time, spoken):
    assert spoken_time(dt.time.fromisoformat(time)) == spoken


@pytest.mark.parametrize(
    "data, error",
    [
        ({"days": ["mon"], "opens": "10:00"}, "opens and closes"),
        ({"days": ["monday"], "opens": "10:00", "closes": "16:00"}, "days"),
        ({"days": [], "opens": "10:00", "closes": "16:00"}, "days"),
        ({"days": ["mon"], "opens": "16:00", "closes": "10:00"}, "closes before it opens"),
        ({"days": ["mon"], "opens": "10:00", "closes": "16:00", "bank_holidays": "maybe"}, "bank_holidays"),
        ({"days": ["mon"], "opens": "10:00", "closes": "16:00", "tz": "UTC"}, "unknown"),
    ],
)
def test_bad_opening_data_says_what_is_wrong(data, error):
    with pytest.raises(ValueError, match=error):
        Opening.from_pack(data)


def test_a_line_open_on_bank_holidays():
    always = Opening.from_pack({"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:00", "closes": "17:00", "bank_holidays": "open"})
    assert always.is_open(dt.datetime(2026, 12, 25, 12, tzinfo=UTC))


# Weekday bank holidays the nations do not share (11:00 UK time): who is closed.
NATIONAL_BANK_HOLIDAYS = [
    (dt.datetime(2026, 11, 30, 11, tzinfo=UTC), {"scotland"}),  # St Andrew's Day
    (dt.datetime(2026, 8, 3, 10, tzinfo=UTC), {"scotland"}),  # Scotland's summer bank holiday
    (dt.datetime(2027, 3, 17, 11, tzinfo=UTC), {"northern_ireland"}),  # St Patrick's Day
    (dt.datetime(2026, 8, 31, 10, tzinfo=UTC), {"england", "wales", "northern_ireland"}),
    (dt.datetime(2027, 3, 29, 10, tzinfo=UTC), {"england", "wales", "northern_ireland"}),  # Easter Monday
]
WEEKDAYS_10_TO_4 = {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "10:00", "closes": "16:00"}


@pytest.mark.parametrize("at, closed", NATIONAL_BANK_HOLIDAYS)
def test_each_nation_closes_on_its_own_bank_holidays(at, closed):
    is_open = {nation: Opening.from_pack(WEEKDAYS_10_TO_4, nation).is_open(at) for nation in NATIONS}
    assert {nation for nation, open_ in is_open.items() if not open_} == closed


def test_the_pack_names_its_nation(tmp_path):
    pack = load_pack(DEFAULT_PACK_DIR)
    assert pack.nation == "england" and pack.openings["posh"].nation == "england"
    target = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK_DIR, target)
    toml = target / "pack.toml"
    toml.write_text(toml.read_text().replace('nation = "england"', 'nation = "scotland"'))
    st_andrews = dt.datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert load_pack(DEFAULT_PACK_DIR).openings["posh"].is_open(st_andrews)
    assert not load_pack(target).openings["posh"].is_open(st_andrews)
    toml.write_text(toml.read_text().replace('nation = "scotland"', 'nation = "atlantis"'))
    with pytest.raises(PackError, match="nation"):
        load_pack(target)


def test_an_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="nation"):
        Opening.from_pack(WEEKDAYS_10_TO_4, "atlantis")
