"""Caps on put-throughs: each is a call to a helpline that the line pays for, minute by
minute, while it lasts.

``flows.voice`` allows two a call. A caller ID costs nothing to spoof, so a bot making
call after call, each from a new number, would have the line ring helplines for it
without end: 50 calls made 100 paid calls. So, besides the call's own two:

- a calling number gets ``put_throughs_per_caller_per_day`` in 24 hours (callers who
  withhold their number have none to count by, and are held by the line's cap alone);
- the whole line makes ``put_throughs_per_hour`` in any hour.

Windows are sorted sets of steps (call and step number) by time, as the follow-up caps
are, so no burst at a window's edge doubles them; a retried step adds the same member
again and is let through as it was the first time, counting once. The decision is one
script, so racing webhooks cannot both pass. When Redis cannot answer, or refuses the
write, no put-through is made: a cap that cannot be kept is a closed one.
"""

from __future__ import annotations

import time

from service.state import connection, keys
from service.state.keys import PUT_THROUGH_CALLER_WINDOW, PUT_THROUGH_LINE_WINDOW

# KEYS: caller window, line window
# ARGV: now, step, caller cap (-1: no caller to count), caller window, line cap, line window
_ALLOW = """
local now = tonumber(ARGV[1])
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 1 end
local function full(key, window, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(window))
  return redis.call('ZCARD', key) >= tonumber(cap)
end
local by_caller = tonumber(ARGV[3]) >= 0
if by_caller and full(KEYS[1], ARGV[4], ARGV[3]) then return 0 end
if full(KEYS[2], ARGV[6], ARGV[5]) then return 0 end
if by_caller then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return 1
"""


def allowed(store, config, *, caller: str | None, step: str, now: float | None = None) -> bool:
    """Whether this step may put its caller through (and count it if so). ``caller``: the
    calling number's pseudonym, None when withheld; ``step``: names the call and step, so a
    retry of it is the same put-through. Raises what Redis raises."""
    now = time.time() if now is None else now
    script = connection.script(store.redis, _ALLOW)
    result = script(
        keys=[keys.put_through_caller(caller or "withheld"), keys.PUT_THROUGH_LINE],
        args=[
            f"{now:.6f}",
            step,
            config.put_throughs_per_caller_per_day if caller else -1,
            PUT_THROUGH_CALLER_WINDOW,
            config.put_throughs_per_hour,
            PUT_THROUGH_LINE_WINDOW,
        ],
    )
    return bool(result)
