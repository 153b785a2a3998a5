"""The follow-up funnel on the usage page adds up: every text asked for is delivered,
lost at a step with its reason, or not known yet."""

import datetime as dt

from service.web.console.counts import Filter, Row
from service.web.console.usage import AWAITING, charts

DAY = dt.date(2026, 12, 1)


def funnel_rows(counts: dict[str, int]) -> dict[str, int]:
    rows = [Row(DAY, "p", "follow-ups", "voice", item, n) for item, n in counts.items()]
    [followups] = [c for c in charts(rows, Filter(DAY, DAY, ""), {}) if c["chart"].id == "followups"]
    return dict(followups["rows"])


def test_texts_with_no_word_yet_are_a_row_of_their_own_so_the_rows_add_up():
    shown = funnel_rows({"queued": 14, "sent": 14, "delivered": 6, "undelivered:30003": 6})
    assert shown[AWAITING] == 2
    delivered_lost_or_waiting = sum(n for label, n in shown.items() if label not in ("Asked for", "Handed to Twilio to send"))
    assert delivered_lost_or_waiting == shown["Asked for"] == 14


def test_when_every_text_is_accounted_for_there_is_no_such_row():
    assert AWAITING not in funnel_rows({"queued": 3, "sent": 3, "delivered": 3})
