-- The shared state of some keys in one round trip, and optionally the next round-robin turn.
-- KEYS[1] the applied-sequence hash, KEYS[2] the round-robin counter, KEYS[3..] the keys' hashes
-- ARGV[1] this proxy's id, ARGV[2] '1' to take a turn
local out = {}
out[1] = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if ARGV[2] == '1' then out[2] = redis.call('INCR', KEYS[2]) else out[2] = -1 end
for i = 3, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
