package io.github.kimirotator.proxy;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * Health events the proxy has seen but not yet written, and how they are applied. An event names its key,
 * not an index, and carries the instant it happened, so it can be replayed onto a state read later from the
 * file (which a CLI command may have changed meanwhile) with exactly the effect it had in memory.
 */
final class HealthJournal {

    /** One event for the account holding {@code key}, at {@code at}. */
    record Entry(String key, HealthEvent event, Instant at) {
        Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(at, "at");
        }
    }

    private HealthJournal() {
    }

    /** {@code state} after {@code entries}, in order; entries whose key is no longer stored are dropped. */
    static AccountsState replay(AccountsState state, List<Entry> entries, ZoneId zone) {
        AccountsState result = state;
        for (Entry e : entries) {
            result = apply(result, e, zone);
        }
        return result;
    }

    /**
     * {@code state} after one event. Recovery due by the event's instant is applied first when
     * {@code autoRefreshHealth} is on, as it would have been when the key was considered; otherwise the
     * penalty's new {@code lastPenaltyAt} would erase the recovery for good.
     */
    static AccountsState apply(AccountsState state, Entry entry, ZoneId zone) {
        int index = state.indexOfKey(entry.key());
        if (index < 0) {
            return state;
        }
        return state.withAccount(index, account -> HealthPolicy.applyAt(account, entry.event(), entry.at(), zone,
                state.autoRefreshHealth(), state.healthRefreshCooldownMinutes()));
    }
}
