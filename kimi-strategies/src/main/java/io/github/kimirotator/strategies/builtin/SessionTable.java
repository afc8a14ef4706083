package io.github.kimirotator.strategies.builtin;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which key each session was last sent to. Bounded: beyond {@code capacity} sessions the least recently seen
 * is forgotten, and a session idle for {@code idle} is forgotten, so a long-running proxy's memory stays flat.
 * Not thread-safe (strategies are called one at a time).
 */
final class SessionTable {
    private record Entry(String keyId, Instant lastSeen) {
    }

    private final int capacity;
    private final Duration idle;
    private final LinkedHashMap<String, Entry> entries;

    SessionTable(int capacity, Duration idle) {
        this.capacity = capacity;
        this.idle = idle;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > SessionTable.this.capacity;
            }
        };
    }

    /** The key id the session was last sent to, unless the session has been idle too long. */
    Optional<String> keyOf(String session, Instant now) {
        forgetIdle(now);
        Entry e = entries.get(session);
        return e == null ? Optional.empty() : Optional.of(e.keyId());
    }

    void remember(String session, String keyId, Instant now) {
        entries.put(session, new Entry(keyId, now));
    }

    int size() {
        return entries.size();
    }

    /** Access order puts the least recently seen sessions first, so expiry stops at the first live one. */
    private void forgetIdle(Instant now) {
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (!expired(it.next(), now)) {
                return;
            }
            it.remove();
        }
    }

    private boolean expired(Entry e, Instant now) {
        return !now.isBefore(e.lastSeen().plus(idle));
    }
}
