"""Caps on put-throughs: each is a call to a helpline that the line pays for, minute by
minute, while it lasts.

``flows.voice`` allows two a call. A caller ID costs nothing to spoof, so a bot making
call after call, each from a new number, would have the line ring helplines for it
without end: 50 calls made 100 paid calls. So, besides the call's own two, the whole
line makes ``put_throughs_per_hour`` in any hour.

There is no allowance per calling number: anyone can call with a victim's number as
their caller ID, and an allowance counted by it would tell them, by the put-throughs
left, whether that number had been put through today. The call's two and the line's
hourly cap bound the cost all the same.

Windows are sorted sets of steps (call and step number) by time, as the follow-up caps
are, so no burst at a window's edge doubles them; a retried step adds the same member
again and is let through as it was the first time, counting once. The decision is one
script, so racing webhooks cannot both pass. When Redis cannot answer, or refuses the
write, no put-through is made: a cap that cannot be kept is a closed one.
"""

from __future__ import annotations

import time

from service.state import connection, keys
from service.state.keys import PUT_THROUGH_LINE_WINDOW

# KEYS: line window
# ARGV: now, step, line cap, line window
_ALLOW = """
local now = tonumber(ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


def allowed(store, config, *, step: str, now: float | None = None) -> bool:
    """Whether this step may put its caller through (and count it if so). ``step``: names
    the call and step, so a retry of it is the same put-through. Raises what Redis raises."""
    now = time.time() if now is None else now
    script = connection.script(store.redis, _ALLOW)
    result = script(keys=[keys.PUT_THROUGH_LINE], args=[f"{now:.6f}", step, config.put_throughs_per_hour, PUT_THROUGH_LINE_WINDOW])
    return bool(result)
