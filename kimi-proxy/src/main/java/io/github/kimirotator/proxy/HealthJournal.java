package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Health events the proxy has seen but not yet written, and how they are applied. An event names its key,
 * not an index, and carries the millisecond it happened, so it can be replayed onto a state read later from
 * the file (which a CLI command may have changed meanwhile) with exactly the effect it had in memory.
 */
final class HealthJournal {

    /** One event for the account holding {@code key}, at {@code atMillis} (epoch milliseconds). */
    record Entry(String key, HealthEvent event, long atMillis) {
        Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(event, "event");
        }

        Entry(String key, HealthEvent event, Instant at) {
            this(key, event, at.toEpochMilli());
        }
    }

    private HealthJournal() {
    }

    /**
     * {@code state} after {@code entries}, in order; entries whose key is no longer stored are dropped. Events of
     * different keys change different accounts, so each account gets its own events in their order, folded into
     * one new account ({@link HealthPolicy#applyAllAt}), and the state is built once: the same state as applying
     * them one by one, without an account and a state per event.
     */
    static AccountsState replay(AccountsState state, List<Entry> entries, ZoneId zone) {
        if (entries.isEmpty()) {
            return state;
        }
        List<Account> accounts = state.accounts();
        Map<String, Integer> indexOf = new HashMap<>();
        for (int i = 0; i < accounts.size(); i++) {
            indexOf.putIfAbsent(accounts.get(i).key(), i);
        }
        @SuppressWarnings("unchecked")
        List<HealthEvent>[] events = new List[accounts.size()];
        long[][] at = new long[accounts.size()][];
        for (Entry e : entries) {
            Integer index = indexOf.get(e.key());
            if (index == null) {
                continue;
            }
            int i = index;
            if (events[i] == null) {
                events[i] = new ArrayList<>();
                at[i] = new long[8];
            } else if (events[i].size() == at[i].length) {
                at[i] = Arrays.copyOf(at[i], at[i].length * 2);
            }
            at[i][events[i].size()] = e.atMillis();
            events[i].add(e.event());
        }
        Account[] after = accounts.toArray(new Account[0]);
        boolean changed = false;
        for (int i = 0; i < after.length; i++) {
            if (events[i] != null) {
                after[i] = HealthPolicy.applyAllAt(after[i], events[i], at[i], zone, state.autoRefreshHealth(),
                        state.healthRefreshCooldownMinutes());
                changed = true;
            }
        }
        return changed ? state.withAccounts(Arrays.asList(after)) : state;
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
        return state.withAccount(index, account -> HealthPolicy.applyAllAt(account, List.of(entry.event()),
                new long[] {entry.atMillis()}, zone, state.autoRefreshHealth(), state.healthRefreshCooldownMinutes()));
    }
}
