"""What time the line thinks it is: the UK clock, or the one a test or trial sets.

Pages name a helpline that is open now, and the voice line offers a put-through only
while one is, so both webhooks read the time here; ``app.config[CLOCK]`` (a function
returning an aware datetime) lets tests and ``tests/load`` scripts say what time it is.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

CLOCK = "SIGNPOST_CLOCK"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def now() -> dt.datetime:
    return current_app.config.get(CLOCK, utc_now)()
