"""The Lua scripts behind ``service.state.store``: each does one webhook's reads and
writes in one round trip, atomically (see the store's docstring). Kept apart so the
store reads as Python; every script is registered through ``connection.script``."""

# Save the session, apply the opt-out, count the visit.
EFFECTS = """
local function count(key, field, ttl)
  redis.call('HINCRBY', key, field, 1)
  redis.call('EXPIRE', key, ttl)
end

-- An opt-out holds the time it was made; an opt-in leaves the time it was made under
-- its own key, so a change journalled earlier and replayed later cannot undo it.
local function opt(effect, optout_key, optin_key, at, optin_ttl)
  if effect == 'opt_out' then
    redis.call('SET', optout_key, at)
    redis.call('DEL', optin_key)
  else
    redis.call('DEL', optout_key)
    redis.call('SET', optin_key, at, 'EX', optin_ttl)
  end
end

local function effects(session_key, session, session_ttl, optout_key, effect, stats_key, field, stats_ttl,
                       events_key, channel, optin_key, now, optin_ttl)
  if session == '' then
    redis.call('DEL', session_key)
  else
    redis.call('SET', session_key, session, 'EX', session_ttl)
  end
  if effect == 'opt_out' or effect == 'opt_in' then
    opt(effect, optout_key, optin_key, now, optin_ttl)
    count(events_key, channel .. ':' .. effect, stats_ttl)
  end
  if field ~= '' then
    count(stats_key, field, stats_ttl)
  end
end
"""

# KEYS: delivery, session, optout, stats, replies, events, optin, line replies, busy notice
# ARGV: has delivery, dedupe ttl, session ttl, stats ttl, reply window, reply limit,
#       outcomes as JSON {menu: [node, session json, effect]}, channel, now, optin ttl,
#       line ceiling, busy node, '1' when the texter is abroad (one count for them all)
# The answer stored for a retried delivery is the node shown ('' when none): the
# pages themselves are fixed for the life of the process. An outcome with no page
# ('': Twilio answered STOP, START or HELP itself) is neither counted nor a reply.
#
# A reply is held back when the texter (or, abroad, all texters abroad together) has
# had their hour's replies ('flooded'), or when the whole line has sent its hour's
# pages ('busy': the texter is told once in the hour that the line is busy). A texter
# held back saw no page, so their session stays where it was and no page is counted:
# their next number must pick from the menu they last saw. An opt-out or opt-in is
# recorded whatever, and its confirmation is not held back by the line's ceiling, but
# busy notices and confirmations together stop at as many again: every message the
# line sends counts, so no stream of new numbers or STOP/START can pass twice the ceiling.
ANSWER = (
    EFFECTS
    + """
if ARGV[1] == '1' then
  local earlier = redis.call('GET', KEYS[1])
  if earlier then return {'repeat', earlier} end
end
local menu, shown = '', ''
local raw = redis.call('GET', KEYS[2])
if raw then
  local ok, data = pcall(cjson.decode, raw)
  if ok and type(data) == 'table' and type(data.menu) == 'string' then menu = data.menu end
  if ok and type(data) == 'table' and type(data.node) == 'string' then shown = data.node end
end
-- flows.sms.outcome_key: the menu and the page last shown, else the menu alone.
local outcomes = cjson.decode(ARGV[7])
local chosen = outcomes[menu] or outcomes['']
if menu ~= '' and shown ~= '' and outcomes[menu .. '?' .. shown] then chosen = outcomes[menu .. '?' .. shown] end
local status = 'answered'
local node = chosen[1]
-- Replies in the last hour, a sorted set of the times they were sent: a sliding hour, so
-- no burst at the edge of a fixed hour doubles a cap.
local now, window = tonumber(ARGV[9]), tonumber(ARGV[5])
local function sent(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  return redis.call('ZCARD', key)
end
local function note(key)
  redis.call('ZADD', key, now, ARGV[9] .. KEYS[1])
  redis.call('EXPIRE', key, window)
end
local line_sent, ceiling, texter_sent = sent(KEYS[8]), tonumber(ARGV[11]), sent(KEYS[5])
if texter_sent >= tonumber(ARGV[6]) then
  status, node = 'flooded', ''
elseif node ~= '' and line_sent >= ceiling and (chosen[3] == '' or line_sent >= 2 * ceiling) then
  status, node = 'busy', ''
  if chosen[3] == '' and line_sent < 2 * ceiling and redis.call('SET', KEYS[9], '1', 'NX', 'EX', ARGV[5]) then
    node = ARGV[12]
  end
end
if ARGV[1] == '1' then
  if chosen[3] == 'opt_out' or chosen[3] == 'opt_in' then
    -- Twilio's signature carries no time: a STOP or START captured and replayed after
    -- a day would change the person's choice again, so its record is kept for ever.
    redis.call('SET', KEYS[1], node)
  else
    redis.call('SET', KEYS[1], node, 'EX', ARGV[2])
  end
end
if status == 'answered' then
  if not raw then
    -- No session: this text begins a conversation (or one after 30 quiet minutes). Only
    -- an answered one: a texter held back keeps no session, and is not a new person each time.
    count(KEYS[6], ARGV[8] .. ':conversation', ARGV[4])
  end
  local counted = ''
  if node ~= '' then counted = ARGV[8] .. ':' .. node end
  effects(KEYS[2], chosen[2], ARGV[3], KEYS[3], chosen[3], KEYS[4], counted, ARGV[4], KEYS[6], ARGV[8],
          KEYS[7], ARGV[9], ARGV[10])
else
  -- Why no page: this texter's hour ('flooded'), the hour of every texter abroad
  -- together ('flooded_abroad'), or the whole line's ('busy').
  local why = status
  if status == 'flooded' and ARGV[13] == '1' then why = 'flooded_abroad' end
  count(KEYS[6], ARGV[8] .. ':' .. why, ARGV[4])
  if chosen[3] == 'opt_out' or chosen[3] == 'opt_in' then
    opt(chosen[3], KEYS[3], KEYS[7], ARGV[9], ARGV[10])
    count(KEYS[6], ARGV[8] .. ':' .. chosen[3], ARGV[4])
  end
end
if node ~= '' then
  note(KEYS[5])
  note(KEYS[8])
end
-- The line's and the texter's counts before this turn: a machine starts its own caps
-- there should Redis fail later in the hour (service.state.local_caps).
return {status, node, chosen[3], line_sent, texter_sent}
"""
)

# Opt-outs and opt-ins journalled while Redis was away, in the order they came. Each is
# applied only if it is newer than the person's last change, decided here, atomically:
# a START journalled in an outage must not undo a STOP the person sent after it (which
# a web process that could reach Redis applied at once). A change that came with a
# delivery (the text's SID) is applied once: a delivery already on record is a retry, or
# a captured STOP or START sent again while Redis was away, and changes nothing; one
# replayed is put on record for good (applied or not), as the answer script does.
# KEYS: optout, optin, delivery for each change
# ARGV: optin ttl, then effect, time and whether it came with a delivery ('1'/'0') for each
REPLAY = (
    EFFECTS
    + """
local applied = 0
for i = 1, #KEYS, 3 do
  local a = 2 + (i - 1) / 3 * 3
  local effect, at, delivered = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2] == '1'
  local last = math.max(tonumber(redis.call('GET', KEYS[i]) or '0') or 0,
                        tonumber(redis.call('GET', KEYS[i + 1]) or '0') or 0)
  if at > last and not (delivered and redis.call('EXISTS', KEYS[i + 2]) == 1) then
    opt(effect, KEYS[i], KEYS[i + 1], ARGV[a + 1], ARGV[1])
    applied = applied + 1
  end
  -- On record even when older than the person's last change: a captured copy of it
  -- sent later is then a repeat, never a new change.
  if delivered then redis.call('SET', KEYS[i + 2], '', 'NX') end
end
return applied
"""
)

# KEYS: delivery, stats, events, the call's place
# ARGV: has delivery, answer, dedupe ttl, stats field, stats ttl, event field,
#       place ('-' leaves it, '' forgets it: the line ended the call or put it through),
#       place ttl
CLAIM = """
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then
    return redis.call('GET', KEYS[1])
  end
end
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
if ARGV[6] ~= '' then
  redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
if ARGV[7] == '' then
  redis.call('DEL', KEYS[4])
elseif ARGV[7] ~= '-' then
  redis.call('SET', KEYS[4], ARGV[7], 'EX', ARGV[8])
end
return false
"""

# Twilio's report that a call ended: count where it was, once (a repeated report
# finds the place gone).
# KEYS: the call's place, events
# ARGV: events field prefix, stats ttl
CALL_ENDED = """
local place = redis.call('GETDEL', KEYS[1])
if not place then
  return false
end
redis.call('HINCRBY', KEYS[2], ARGV[1] .. place, 1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return place
"""
