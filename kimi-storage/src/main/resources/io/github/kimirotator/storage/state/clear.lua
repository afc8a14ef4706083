-- clear-limits for some keys, for every proxy: limits, billing hits, disabled flag and reason cleared.
-- KEYS: the keys' hashes; ARGV[1] the channel to tell the proxies on
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'rl', 0, 'bl', 0, 'cb', 0, 'dis', '0')
    redis.call('HDEL', KEYS[i], 'rsn')
  end
end
redis.call('PUBLISH', ARGV[1], '*')
return #KEYS
