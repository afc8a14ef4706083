-- The shared state of some keys in one round trip.
-- KEYS[1] the applied-sequence hash, KEYS[2..] the keys' hashes; ARGV[1] this proxy's id
local out = {}
out[1] = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
for i = 2, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
