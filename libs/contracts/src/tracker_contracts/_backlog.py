"""How many entries of the event stream a consumer group has yet to apply: its backlog.

Written in Lua, to run inside Redis beside the stream: ingest bounds the stream by it within its
append script, and the query worker reports it (`/metrics`), so that scaling on the figure and
shedding load by it agree.

A group's backlog is its pending entries plus those after its last-delivered id. Redis 6.2
reports no group lag, so each entry ingest appends carries its sequence number (`SEQUENCE_FIELD`:
the stream's append count, kept at `appended_count_key`, up to it): the entries after a
last-delivered id are the count now minus that entry's sequence. When that entry has no
sequence (the group has read nothing yet, or last read an entry another writer appended) or one
above the count (numbered before the count was kept under its present name), the backlog is not
known, and every entry on the stream (XLEN) is taken to wait until the group reads past it.
Entries of other writers after ours are not counted.
"""

from ._stream import SEQUENCE_FIELD

BACKLOG_FUNCTIONS = f"""
local function sequence_at(id)
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == '{SEQUENCE_FIELD}' then
        return tonumber(fields[i + 1])
      end
    end
  end
  return nil
end

-- The backlog of `group` (as XINFO GROUPS lists it) on the stream KEYS[1], whose newest entry
-- is `newest` (nil when empty) and whose append count is `appended`; nil when not known.
local function group_backlog(group, newest, appended)
  local waiting, delivered = 0, '0-0'
  for i = 1, #group, 2 do
    if group[i] == 'pending' then waiting = group[i + 1] end
    if group[i] == 'last-delivered-id' then delivered = group[i + 1] end
  end
  if delivered ~= newest then
    local sequence = sequence_at(delivered)
    if not sequence or sequence > appended then
      return nil
    end
    waiting = waiting + appended - sequence
  end
  return waiting
end
"""
"""Lua functions for a script whose KEYS[1] is the events stream: `group_backlog(group, newest,
appended)`."""

GROUP_BACKLOG_SCRIPT = (
    BACKLOG_FUNCTIONS
    + """
local length = redis.call('XLEN', KEYS[1])
if length == 0 then
  return 0
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]
local appended = tonumber(redis.call('GET', KEYS[2]) or '0')
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'name' and group[i + 1] == ARGV[1] then
      return math.min(group_backlog(group, newest, appended) or length, length)
    end
  end
end
return length
"""
)
"""KEYS[1] the events stream, KEYS[2] its append count (`appended_count_key`); ARGV[1] a
consumer group. Returns the group's backlog, at most the stream's length: the length when not
known, or when the group does not exist yet (it will start from the beginning)."""
