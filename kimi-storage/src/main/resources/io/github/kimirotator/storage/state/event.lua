-- A batch of one proxy's health events, each applied atomically by the rules of HealthPolicy.applyAt (recovery
-- due by the event's time, then the event), with every number and text handed in by the caller so Java stays
-- the one source of the rules' values. Events of one proxy are applied once each and in order (its sequence
-- number); the batch stops at the first event that cannot be applied in order.
-- KEYS[1] the hash of each proxy's last applied sequence number, KEYS[2..] the hashes of the events' keys
-- ARGV[1] proxy id, ARGV[2] channel to announce the batch on ('' for none), ARGV[3] base: the sender's last
-- acknowledged sequence when it sent this batch, prefixed with '!' when the sender no longer holds the events
-- between what Redis has applied and base (its journal dropped them): then the chain goes on after base,
-- ARGV[4..10] success gain, rate-limit penalty, billing penalty,
-- membership penalty, rejected penalty, failure penalty, recovery step; then per event: the number n of its
-- fields, then n fields:
--   1 index of its key in KEYS, 2 sequence, 3 kind (S R B M K F, or T: tokens used, not a request),
--   4 now, 5 until, 6 reason of the kind, 7 rate-limit reason, 8 soft (1/0), 9 soft until, 10 today,
--   11 oldest day kept, 12 cooldown period ms (0: no recovery), 13 tokens 'input output cacheRead cacheCreation'
--   (T), 14.. field/value pairs that seed a key never seen, or '-' when the sender believes the key is here
--   already (then a missing key is refused, so that the sender sends its seed)
-- Returns per event applied or refused, in order: {1, seq} applied, {0, applied} applied before,
-- {-1, from} out of order: send again after 'from', {-2, seq} the key is not here and no seed came: send again
-- with the seed. After a refusal nothing more of the batch is applied.
local appliedKey = KEYS[1]
local proxy = ARGV[1]
local forced = string.sub(ARGV[3], 1, 1) == '!'
local base = tonumber(forced and string.sub(ARGV[3], 2) or ARGV[3])
local gain, rlPenalty, blPenalty = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local mPenalty, kPenalty, fPenalty, step = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])

local function clamp(x) if x < 0 then return 0 elseif x > 100 then return 100 else return x end end

-- Days older than 'oldest' of the daily request counts, or of the token counts.
local function prune(k, oldest, tokens)
  for _, name in ipairs(redis.call('HKEYS', k)) do
    local prefix = string.sub(name, 1, 3)
    if tokens then
      if (prefix == 'ti:' or prefix == 'to:' or prefix == 'tc:' or prefix == 'tw:') and string.sub(name, 4) < oldest then
        redis.call('HDEL', k, name)
      end
    elseif string.sub(name, 1, 2) == 'd:' and string.sub(name, 3) < oldest then
      redis.call('HDEL', k, name)
    end
  end
end

-- This proxy's last applied event, read once and written once per batch.
local appliedNow = redis.call('HGET', appliedKey, proxy)
if appliedNow then appliedNow = tonumber(appliedNow) end
local appliedChanged = false
if forced and appliedNow and appliedNow < base then
  -- Redis lost events of this proxy (restored from an older snapshot, a replica that lagged) that the proxy can no
  -- longer send: asking for them again would be refused forever.
  appliedNow = base
  appliedChanged = true
end

-- Each key's fields as this batch has made them: read once (HMGET) when the batch first meets the key and written
-- once (HSET) at its end, so that a batch of many events costs about what one event costs. The outcome is that of
-- applying the events one by one. Per key: the numbers, 'rsn' (nil for none) and 'storedRsn' (what the hash holds),
-- and per day met its request count and token counts, with what changed.
local cache = {}
local fields = {'h', 'rl', 'bl', 'cf', 'cb', 'tr', 'sr', 'lu', 'dis', 'rsn', 'lp', 'lr'}

local function load(k)
  local f = redis.call('HMGET', k, unpack(fields))
  -- A key's hash always holds its health: without it the key is not here.
  if not f[1] then return nil end
  local rsn = f[10]
  if rsn == false or rsn == '' then rsn = nil end
  local c = {h = tonumber(f[1]) or 100, rl = tonumber(f[2]) or 0, bl = tonumber(f[3]) or 0, cf = tonumber(f[4]) or 0,
    cb = tonumber(f[5]) or 0, tr = tonumber(f[6]) or 0, sr = tonumber(f[7]) or 0, lu = tonumber(f[8]) or 0,
    dis = f[9] == '1', rsn = rsn, storedRsn = rsn, lp = tonumber(f[11]) or 0, lr = tonumber(f[12]) or 0,
    days = {}, dirty = false}
  cache[k] = c
  return c
end

-- The counts of day 'today' of key k: n requests, t the four token counts (nil where the hash has none).
local function day(k, c, today)
  local d = c.days[today]
  if not d then
    local f = redis.call('HMGET', k, 'd:' .. today, 'ti:' .. today, 'to:' .. today, 'tc:' .. today, 'tw:' .. today)
    d = {n = tonumber(f[1]), t = f[2] and {tonumber(f[2]) or 0, tonumber(f[3]) or 0, tonumber(f[4]) or 0,
      tonumber(f[5]) or 0} or nil, nChanged = false, tChanged = false}
    c.days[today] = d
  end
  return d
end

-- Forgets the cached counts of days before 'oldest' that prune just removed from the hash.
local function pruned(c, oldest, tokens)
  for d, counts in pairs(c.days) do
    if d < oldest then
      if tokens then counts.t = nil; counts.tChanged = false else counts.n = nil; counts.nChanged = false end
    end
  end
end

local function write(k, c)
  if not c.dirty then return end
  local args = {'h', c.h, 'rl', c.rl, 'bl', c.bl, 'cf', c.cf, 'cb', c.cb, 'tr', c.tr, 'sr', c.sr, 'lu', c.lu,
    'dis', c.dis and '1' or '0', 'lp', c.lp, 'lr', c.lr}
  for today, d in pairs(c.days) do
    if d.nChanged then
      args[#args + 1] = 'd:' .. today
      args[#args + 1] = d.n
    end
    if d.tChanged then
      args[#args + 1] = 'ti:' .. today
      args[#args + 1] = d.t[1]
      args[#args + 1] = 'to:' .. today
      args[#args + 1] = d.t[2]
      args[#args + 1] = 'tc:' .. today
      args[#args + 1] = d.t[3]
      args[#args + 1] = 'tw:' .. today
      args[#args + 1] = d.t[4]
    end
  end
  if c.rsn then
    args[#args + 1] = 'rsn'
    args[#args + 1] = c.rsn
  elseif c.storedRsn then
    redis.call('HDEL', k, 'rsn')
  end
  redis.call('HSET', k, unpack(args))
end

-- One event; A its fields (see above). Returns {code, value}.
local function apply(A)
  local k = KEYS[tonumber(A[1])]
  local seq = tonumber(A[2])
  if appliedNow then
    if seq <= appliedNow then return {0, appliedNow} end
    if seq > appliedNow + 1 then return {-1, appliedNow} end
  else
    -- Nothing of this proxy here (a Redis new or restarted empty): the chain starts right after the base, never
    -- at a later event that overtook it; otherwise the earlier events would later count as applied and be lost.
    if seq ~= base + 1 then return {-1, base} end
  end
  local c = cache[k] or load(k)
  if not c then
    if A[14] == '-' then return {-2, seq} end
    if #A > 14 then
      local seed = {}
      for i = 14, #A do seed[#seed + 1] = A[i] end
      redis.call('HSET', k, unpack(seed))
      c = load(k)
    end
    if not c then
      c = {h = 100, rl = 0, bl = 0, cf = 0, cb = 0, tr = 0, sr = 0, lu = 0, dis = false, lp = 0, lr = 0, days = {},
        dirty = false}
      cache[k] = c
    end
  end
  appliedNow = seq
  appliedChanged = true
  c.dirty = true

  local kind = A[3]
  local today = A[10]
  local now = tonumber(A[4])
  local untilArg = tonumber(A[5])
  local period = tonumber(A[12])

  -- recovery due by the event's time
  if period > 0 and c.h < 100 then
    local last = c.lp
    if last <= 0 then last = math.max(c.lu, math.max(c.rl, c.bl)) end
    local anchor = math.max(last, c.lr)
    if anchor > 0 then
      local periods = math.floor((now - anchor) / period)
      if periods > 0 then
        c.h = clamp(c.h + math.min(100, periods * step))
        c.lr = anchor + periods * period
      end
    end
  end

  local function reason(untilMs, newReason)
    local oldDecides = c.dis or math.max(c.rl, c.bl) > untilMs
    if oldDecides and c.rsn then return c.rsn end
    return newReason
  end

  if kind == 'T' then
    -- Tokens of an answer: added to today's counts; not a request.
    local counts = {}
    for n in string.gmatch(A[13], '%d+') do counts[#counts + 1] = tonumber(n) end
    local d = day(k, c, today)
    if not d.t then
      prune(k, A[11], true)
      pruned(c, A[11], true)
      d.t = {0, 0, 0, 0}
    end
    for i = 1, 4 do d.t[i] = d.t[i] + counts[i] end
    d.tChanged = true
  else
    c.tr = c.tr + 1
    c.lu = math.max(c.lu, now)
    if kind == 'S' then
      c.h = clamp(c.h + gain)
      c.sr = c.sr + 1
      c.cf = 0
      c.cb = 0
      local d = day(k, c, today)
      if not d.n or d.n == 0 then
        prune(k, A[11], false)
        pruned(c, A[11], false)
        d.n = d.n or 0
      end
      d.n = d.n + 1
      d.nChanged = true
    else
      c.cf = c.cf + 1
      c.lp = now
      local function rateLimit(untilMs)
        c.h = clamp(c.h - rlPenalty)
        c.rsn = reason(untilMs, A[7])
        c.rl = math.max(c.rl, untilMs)
      end
      if kind == 'R' then
        rateLimit(untilArg)
      elseif kind == 'B' then
        c.cb = c.cb + 1
        if A[8] == '1' and c.cb < 2 then
          rateLimit(tonumber(A[9]))
        else
          c.h = clamp(c.h - blPenalty)
          c.rsn = reason(untilArg, A[6])
          c.bl = math.max(c.bl, untilArg)
        end
      elseif kind == 'M' then
        c.h = clamp(c.h - mPenalty)
        c.rsn = reason(untilArg, A[6])
        c.bl = math.max(c.bl, untilArg)
      elseif kind == 'K' then
        c.h = clamp(c.h - kPenalty)
        c.dis = true
        c.rsn = A[6]
      else
        c.h = clamp(c.h - fPenalty)
      end
    end
  end
  return {1, seq}
end

local out = {}
local i = 11
local any = false
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local A = {}
  for j = 1, n do A[j] = ARGV[i + j] end
  i = i + n + 1
  local r = apply(A)
  out[#out + 1] = r[1]
  out[#out + 1] = r[2]
  if r[1] < 0 then break end
  if r[1] == 1 then any = true end
end
for k, c in pairs(cache) do write(k, c) end
if appliedChanged then redis.call('HSET', appliedKey, proxy, appliedNow) end
if any and ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], proxy) end
return out
