-- A batch of one proxy's health events, each applied atomically by the rules of HealthPolicy.applyAt (recovery
-- due by the event's time, then the event), with every number and text handed in by the caller so Java stays
-- the one source of the rules' values. Events of one proxy are applied once each and in order (its sequence
-- number); the batch stops at the first event that cannot be applied in order.
-- KEYS[1] the hash of each proxy's last applied sequence number, KEYS[2..] the hashes of the events' keys
-- ARGV[1] proxy id, ARGV[2] channel to announce the batch on ('' for none), ARGV[3] base: the sender's last
-- acknowledged sequence when it sent this batch, ARGV[4..10] success gain, rate-limit penalty, billing penalty,
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
local base = tonumber(ARGV[3])
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

-- One event; A its fields (see above). Returns {code, value}. One read and one write of the key's hash.
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
  local kind = A[3]
  local today = A[10]
  local names = {'h', 'rl', 'bl', 'cf', 'cb', 'tr', 'sr', 'lu', 'dis', 'rsn', 'lp', 'lr', 'd:' .. today,
    'ti:' .. today, 'to:' .. today, 'tc:' .. today, 'tw:' .. today}
  local f = redis.call('HMGET', k, unpack(names))
  -- A key's hash always holds its health: without it the key is not here.
  if not f[1] then
    if A[14] == '-' then return {-2, seq} end
    if #A > 14 then
      local seed = {}
      for i = 14, #A do seed[#seed + 1] = A[i] end
      redis.call('HSET', k, unpack(seed))
      f = redis.call('HMGET', k, unpack(names))
    end
  end
  appliedNow = seq
  appliedChanged = true

  local h = tonumber(f[1]) or 100
  local rl = tonumber(f[2]) or 0
  local bl = tonumber(f[3]) or 0
  local cf = tonumber(f[4]) or 0
  local cb = tonumber(f[5]) or 0
  local tr = tonumber(f[6]) or 0
  local sr = tonumber(f[7]) or 0
  local lu = tonumber(f[8]) or 0
  local dis = f[9] == '1'
  local oldRsn = f[10]
  if oldRsn == false or oldRsn == '' then oldRsn = nil end
  local rsn = oldRsn
  local lp = tonumber(f[11]) or 0
  local lr = tonumber(f[12]) or 0

  local now = tonumber(A[4])
  local untilArg = tonumber(A[5])
  local period = tonumber(A[12])

  -- recovery due by the event's time
  if period > 0 and h < 100 then
    local last = lp
    if last <= 0 then last = math.max(lu, math.max(rl, bl)) end
    local anchor = math.max(last, lr)
    if anchor > 0 then
      local periods = math.floor((now - anchor) / period)
      if periods > 0 then
        h = clamp(h + math.min(100, periods * step))
        lr = anchor + periods * period
      end
    end
  end

  local function reason(untilMs, newReason)
    local oldDecides = dis or math.max(rl, bl) > untilMs
    if oldDecides and rsn then return rsn end
    return newReason
  end

  local more = {}
  if kind == 'T' then
    -- Tokens of an answer: added to today's counts; not a request.
    local counts = {}
    for n in string.gmatch(A[13], '%d+') do counts[#counts + 1] = tonumber(n) end
    if not f[14] then prune(k, A[11], true) end
    more = {names[14], (tonumber(f[14]) or 0) + counts[1], names[15], (tonumber(f[15]) or 0) + counts[2],
      names[16], (tonumber(f[16]) or 0) + counts[3], names[17], (tonumber(f[17]) or 0) + counts[4]}
  else
    tr = tr + 1
    lu = math.max(lu, now)
    if kind == 'S' then
      h = clamp(h + gain)
      sr = sr + 1
      cf = 0
      cb = 0
      local day = (tonumber(f[13]) or 0) + 1
      if day == 1 then prune(k, A[11], false) end
      more = {names[13], day}
    else
      cf = cf + 1
      lp = now
      local function rateLimit(untilMs)
        h = clamp(h - rlPenalty)
        rsn = reason(untilMs, A[7])
        rl = math.max(rl, untilMs)
      end
      if kind == 'R' then
        rateLimit(untilArg)
      elseif kind == 'B' then
        cb = cb + 1
        if A[8] == '1' and cb < 2 then
          rateLimit(tonumber(A[9]))
        else
          h = clamp(h - blPenalty)
          rsn = reason(untilArg, A[6])
          bl = math.max(bl, untilArg)
        end
      elseif kind == 'M' then
        h = clamp(h - mPenalty)
        rsn = reason(untilArg, A[6])
        bl = math.max(bl, untilArg)
      elseif kind == 'K' then
        h = clamp(h - kPenalty)
        dis = true
        rsn = A[6]
      else
        h = clamp(h - fPenalty)
      end
    end
  end

  if rsn then
    more[#more + 1] = 'rsn'
    more[#more + 1] = rsn
  elseif oldRsn then
    redis.call('HDEL', k, 'rsn')
  end
  redis.call('HSET', k, 'h', h, 'rl', rl, 'bl', bl, 'cf', cf, 'cb', cb, 'tr', tr, 'sr', sr, 'lu', lu,
    'dis', dis and '1' or '0', 'lp', lp, 'lr', lr, unpack(more))
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
if appliedChanged then redis.call('HSET', appliedKey, proxy, appliedNow) end
if any and ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], proxy) end
return out
