-- The shared session table: one session sent to one key, kept until the session has been idle for a while.
-- KEYS[1] the session's entry (named by a hash of the session); ARGV[1] the key's fingerprint, ARGV[2] the idle
-- time in ms, ARGV[3] the channel, ARGV[4] the announcement, sent when the session moves to another key,
-- ARGV[5] the key the sender followed ('' when it moved the session or the session is new): when the entry
-- names another key by now, another proxy moved the session meanwhile, and that move is kept.
-- Returns {1} written, {0} kept as it was.
local old = redis.call('GET', KEYS[1])
if ARGV[5] ~= '' and old and old ~= ARGV[5] then return {0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if old ~= ARGV[1] then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return {1}
