-- One health event for one key, applied atomically: the rules of HealthPolicy.applyAt (recovery due by the
-- event's time, then the event), with every number and text handed in by the caller so Java stays the one
-- source of the rules' values. Events of one proxy are applied once each and in order (its sequence number).
-- KEYS[1] the key's hash, KEYS[2] the hash of each proxy's last applied sequence number
-- ARGV: 1 proxy id, 2 sequence, 3 kind (S R B M K F), 4 now, 5 until, 6 reason of the kind, 7 rate-limit
-- reason, 8 soft (1/0), 9 soft until, 10 today, 11 oldest day kept, 12 cooldown period ms (0: no recovery),
-- 13 channel, 14 success gain, 15 rate-limit penalty, 16 billing penalty, 17 membership penalty,
-- 18 rejected penalty, 19 failure penalty, 20 recovery step, 21 base: the sender's last acknowledged sequence
-- when it sent this event's batch, 22.. field/value pairs that seed a key never seen, or '-' when the sender
-- believes the key is here already (then a missing key is refused, so that the sender sends its seed)
-- ARGV[13] empty: no announcement (the sender announces the last event of a batch only)
-- Returns {1, seq} applied, {0, applied} applied before, {-1, from} out of order: send again after 'from',
-- {-2, seq} the key is not here and no seed came: send again with the seed.
local k = KEYS[1]
local seq = tonumber(ARGV[2])
local applied = redis.call('HGET', KEYS[2], ARGV[1])
if applied then
  applied = tonumber(applied)
  if seq <= applied then return {0, applied} end
  if seq > applied + 1 then return {-1, applied} end
else
  -- Nothing of this proxy here (a Redis new or restarted empty): the chain starts right after the base, never
  -- at a later event that overtook it (its batch's first events waiting for the script text, say); otherwise
  -- the earlier events would later count as applied and be lost.
  local base = tonumber(ARGV[21])
  if seq ~= base + 1 then return {-1, base} end
end
if ARGV[22] == '-' then
  if redis.call('EXISTS', k) == 0 then return {-2, seq} end
end
redis.call('HSET', KEYS[2], ARGV[1], seq)

if ARGV[22] ~= '-' and #ARGV > 22 and redis.call('EXISTS', k) == 0 then
  local seed = {}
  for i = 22, #ARGV do seed[#seed + 1] = ARGV[i] end
  redis.call('HSET', k, unpack(seed))
end

local f = redis.call('HMGET', k, 'h', 'rl', 'bl', 'cf', 'cb', 'tr', 'sr', 'lu', 'dis', 'rsn', 'lp', 'lr')
local h = tonumber(f[1]) or 100
local rl = tonumber(f[2]) or 0
local bl = tonumber(f[3]) or 0
local cf = tonumber(f[4]) or 0
local cb = tonumber(f[5]) or 0
local tr = tonumber(f[6]) or 0
local sr = tonumber(f[7]) or 0
local lu = tonumber(f[8]) or 0
local dis = f[9] == '1'
local rsn = f[10]
if rsn == false or rsn == '' then rsn = nil end
local lp = tonumber(f[11]) or 0
local lr = tonumber(f[12]) or 0

local kind = ARGV[3]
local now = tonumber(ARGV[4])
local untilArg = tonumber(ARGV[5])
local period = tonumber(ARGV[12])

local function clamp(x) if x < 0 then return 0 elseif x > 100 then return 100 else return x end end

-- recovery due by the event's time
if period > 0 and h < 100 then
  local last = lp
  if last <= 0 then last = math.max(lu, math.max(rl, bl)) end
  local anchor = math.max(last, lr)
  if anchor > 0 then
    local periods = math.floor((now - anchor) / period)
    if periods > 0 then
      h = clamp(h + math.min(100, periods * tonumber(ARGV[20])))
      lr = anchor + periods * period
    end
  end
end

local function reason(untilMs, newReason)
  local oldDecides = dis or math.max(rl, bl) > untilMs
  if oldDecides and rsn then return rsn end
  return newReason
end

tr = tr + 1
lu = math.max(lu, now)
if kind == 'S' then
  h = clamp(h + tonumber(ARGV[14]))
  sr = sr + 1
  cf = 0
  cb = 0
  local day = redis.call('HINCRBY', k, 'd:' .. ARGV[10], 1)
  if day == 1 then
    local oldest = 'd:' .. ARGV[11]
    for _, name in ipairs(redis.call('HKEYS', k)) do
      if string.sub(name, 1, 2) == 'd:' and name < oldest then redis.call('HDEL', k, name) end
    end
  end
else
  cf = cf + 1
  lp = now
  local function rateLimit(untilMs)
    h = clamp(h - tonumber(ARGV[15]))
    rsn = reason(untilMs, ARGV[7])
    rl = math.max(rl, untilMs)
  end
  if kind == 'R' then
    rateLimit(untilArg)
  elseif kind == 'B' then
    cb = cb + 1
    if ARGV[8] == '1' and cb < 2 then
      rateLimit(tonumber(ARGV[9]))
    else
      h = clamp(h - tonumber(ARGV[16]))
      rsn = reason(untilArg, ARGV[6])
      bl = math.max(bl, untilArg)
    end
  elseif kind == 'M' then
    h = clamp(h - tonumber(ARGV[17]))
    rsn = reason(untilArg, ARGV[6])
    bl = math.max(bl, untilArg)
  elseif kind == 'K' then
    h = clamp(h - tonumber(ARGV[18]))
    dis = true
    rsn = ARGV[6]
  else
    h = clamp(h - tonumber(ARGV[19]))
  end
end

redis.call('HSET', k, 'h', h, 'rl', rl, 'bl', bl, 'cf', cf, 'cb', cb, 'tr', tr, 'sr', sr, 'lu', lu,
  'dis', dis and '1' or '0', 'lp', lp, 'lr', lr)
if rsn then redis.call('HSET', k, 'rsn', rsn) else redis.call('HDEL', k, 'rsn') end
if ARGV[13] ~= '' then redis.call('PUBLISH', ARGV[13], ARGV[1]) end
return {1, seq}
