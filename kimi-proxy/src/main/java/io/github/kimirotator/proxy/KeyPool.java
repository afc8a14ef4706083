package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.FileKeyState;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.builtin.RoundRobinStrategy;
import io.github.kimirotator.strategies.builtin.SessionAffinityStrategy;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The proxy's accounts state, in memory: what requests choose keys from and record outcomes into, without
 * touching the file. Events not yet written are kept in order ({@link HealthJournal}) so that whatever the file
 * holds when they are written or reloaded, they are applied on top of it exactly once.
 *
 * <p>Key state shared with other proxies comes from a {@link KeyStateBackend}: refreshed before the pool's lock
 * is taken (at most one round trip), laid over the local state inside it (no I/O), and told every event.
 */
final class KeyPool {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KeyPool.class);

    /** The outcome of asking for a key. */
    sealed interface Choice {
    }

    /** A key to use; {@link #release(Lease)} it when the upstream exchange is over. */
    record Lease(String key, String keyId) implements Choice {
    }

    /** No key to use now, why, and when a limited key frees up (if one will by itself). */
    record NoKey(Reason reason, Optional<Instant> soonestFree) implements Choice {
    }

    enum Reason {
        /** The file holds no keys. */
        NO_KEYS,
        /** Every key is disabled, or limited with no end that frees one up. */
        ALL_DISABLED,
        /** Keys exist but every one is limited for now. */
        ALL_LIMITED,
        /** A usable key exists but each is at the per-key concurrency cap. */
        AT_CAP,
        /** Every key that could be chosen was already tried for this request. */
        EXHAUSTED
    }

    private static final long RECOVERY_INTERVAL_MILLIS = 1000;
    /** Events recorded while a rebase replays are caught up under the lock once this few are left. */
    private static final int REPLAY_UNDER_LOCK = 32;

    private final KeySelector selector;
    private final HealthPolicy policy;
    private final Clock clock;
    private final int maxInFlightPerKey;
    private final Runnable onEvent;
    private final Runnable onRelease;
    private final KeyStateBackend shared;
    private final Object lock = new Object();
    private List<HealthJournal.Entry> journal = new ArrayList<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private volatile AccountsState state = AccountsState.empty();
    private long recoveredAtMillis;

    /**
     * @param onEvent run after each recorded event (outside the lock), to schedule a write
     * @param onRelease run after each released lease (outside the lock), to wake requests waiting for a slot
     */
    KeyPool(KeySelector selector, HealthPolicy policy, int maxInFlightPerKey, Runnable onEvent, Runnable onRelease) {
        this(selector, policy, maxInFlightPerKey, onEvent, onRelease, new FileKeyState(policy.clock()));
    }

    /** A pool whose keys' state is also shared through {@code shared}. */
    KeyPool(KeySelector selector, HealthPolicy policy, int maxInFlightPerKey, Runnable onEvent, Runnable onRelease,
            KeyStateBackend shared) {
        this.shared = shared;
        this.selector = selector;
        this.policy = policy;
        this.clock = policy.clock();
        this.maxInFlightPerKey = maxInFlightPerKey;
        this.onEvent = onEvent;
        this.onRelease = onRelease;
        this.recoveredAtMillis = clock.millis() - RECOVERY_INTERVAL_MILLIS;
    }

    /**
     * Chooses a key for a request that already tried {@code triedKeys}, and counts it in flight. Never waits:
     * the stage is complete at once unless the shared state had to be asked (then it completes on the thread
     * its answer arrives on, within the shared state's timeout).
     */
    CompletionStage<Choice> choose(Set<String> triedKeys, Optional<String> sessionId) {
        AccountsState before = state;
        String strategy = before.effectiveStrategy();
        boolean affinity = SessionAffinityStrategy.NAME.equals(strategy) && sessionId.isPresent();
        return shared.refresh(before, RoundRobinStrategy.NAME.equals(strategy), affinity ? sessionId : Optional.empty())
                .thenApply(hints -> {
                    Choice choice = chooseLocked(triedKeys, sessionId, hints);
                    if (affinity && choice instanceof Lease lease) {
                        try {
                            shared.rememberSession(hints, lease.key(), clock.instant(),
                                    SessionAffinityStrategy.SESSION_IDLE);
                        } catch (RuntimeException e) {
                            // The key is counted in flight already: failing the choice now would never take it back.
                            LOG.warn("could not remember the session's key in the shared state: {}", e.toString());
                        }
                    }
                    return choice;
                });
    }

    private Choice chooseLocked(Set<String> triedKeys, Optional<String> sessionId, KeyStateBackend.Shared added) {
        KeySelector.Hints hints = new KeySelector.Hints(sessionId, added.turn(), added.sessionKey().map(this::idOf));
        synchronized (lock) {
            recoverIfDue();
            AccountsState current = shared.overlay(state);
            List<Account> accounts = current.accounts();
            if (accounts.isEmpty()) {
                return new NoKey(Reason.NO_KEYS, Optional.empty());
            }
            Set<Integer> excluded = new HashSet<>();
            Set<Integer> capped = new HashSet<>();
            for (int i = 0; i < accounts.size(); i++) {
                Account a = accounts.get(i);
                if (triedKeys.contains(a.key())) {
                    excluded.add(i);
                } else if (maxInFlightPerKey > 0 && inFlightLocked(idOf(a.key())) >= maxInFlightPerKey) {
                    capped.add(i);
                }
            }
            Set<Integer> notNow = new HashSet<>(excluded);
            notNow.addAll(capped);
            Selection selection = selector.select(current, notNow, this::inFlightLocked, hints);
            if (selection instanceof Selection.Chosen chosen && chosen.index() >= 0
                    && chosen.index() < accounts.size() && !notNow.contains(chosen.index())) {
                String key = accounts.get(chosen.index()).key();
                String id = idOf(key);
                inFlight.merge(id, 1, Integer::sum);
                return new Lease(key, id);
            }
            Optional<Instant> soonest = selection instanceof Selection.NoneEligible none
                    ? none.soonestFree() : Optional.empty();
            if (!capped.isEmpty()) {
                return new NoKey(Reason.AT_CAP, soonest);
            }
            if (!excluded.isEmpty()) {
                return new NoKey(Reason.EXHAUSTED, soonest);
            }
            return new NoKey(soonest.isPresent() ? Reason.ALL_LIMITED : Reason.ALL_DISABLED, soonest);
        }
    }

    /** Ends a lease taken with {@link #choose}. */
    void release(Lease lease) {
        synchronized (lock) {
            inFlight.computeIfPresent(lease.keyId(), (id, n) -> n <= 1 ? null : n - 1);
        }
        onRelease.run();
    }

    /** Applies {@code event} for {@code key} now, in memory, and keeps it until written. */
    void record(String key, HealthEvent event) {
        HealthJournal.Entry entry = new HealthJournal.Entry(key, event, clock.millis());
        shared.record(state, key, event, Instant.ofEpochMilli(entry.atMillis()));
        synchronized (lock) {
            journal.add(entry);
            state = HealthJournal.apply(state, entry, zone());
        }
        onEvent.run();
    }

    /** The state as the proxy sees it now: the local state with what is shared laid over it. */
    AccountsState state() {
        AccountsState local = state;
        // The stage completes within the shared state's timeout, never exceptionally.
        shared.refresh(local, false, Optional.empty()).toCompletableFuture().join();
        return shared.overlay(local);
    }

    /** {@code fromFile} with each key's shared state laid over it (itself without shared state). */
    AccountsState withShared(AccountsState fromFile) {
        return shared.overlay(fromFile);
    }

    /** Clears the limits of {@code keys} in the shared state, for every proxy (nothing without shared state). */
    void clearShared(List<String> keys) {
        if (!keys.isEmpty()) {
            shared.clearLimits(keys);
        }
    }

    /** Where the shared key state lives, and whether it can be reached. */
    KeyStateBackend.Status sharedStatus() {
        return shared.status();
    }

    /** The zone of local times (billing resets) that events are applied in. */
    ZoneId zone() {
        return clock.getZone();
    }

    /** Requests in flight with the key whose id is {@code keyId}. */
    int inFlight(String keyId) {
        synchronized (lock) {
            return inFlightLocked(keyId);
        }
    }

    /** The id of {@code key} ({@link ApiKeys#id} caches it, since it costs a SHA-256). */
    String idOf(String key) {
        return ApiKeys.id(key);
    }

    /** Whether events wait to be written. */
    boolean hasUnflushed() {
        synchronized (lock) {
            return !journal.isEmpty();
        }
    }

    /** The events not yet written, oldest first. */
    List<HealthJournal.Entry> unflushed() {
        synchronized (lock) {
            return List.copyOf(journal);
        }
    }

    /**
     * The first {@code count} events were written and the file now holds {@code written}; later events are
     * applied on top of it.
     */
    void flushed(int count, AccountsState written) {
        rebase(written, count);
    }

    /** The file was read again: {@code fresh} plus the events not yet written become the state. */
    void reloaded(AccountsState fresh) {
        rebase(fresh, 0);
    }

    /**
     * The state becomes {@code fromFile} plus the events after the first {@code written} ones. Under load
     * thousands of events arrive while the file is written; they are replayed outside the lock, so that
     * requests do not wait, and only the last few under it. Only the state's writer calls this, and events are
     * only ever appended meanwhile, so the journal's positions stay put.
     */
    private void rebase(AccountsState fromFile, int written) {
        AccountsState base = fromFile;
        int replayed = written;
        while (true) {
            List<HealthJournal.Entry> since;
            synchronized (lock) {
                if (journal.size() - replayed <= REPLAY_UNDER_LOCK) {
                    base = HealthJournal.replay(base, journal.subList(replayed, journal.size()), zone());
                    // A new list rather than clearing the written part: a burst grows the list's array, which
                    // would otherwise stay, large and old, for the rest of the run.
                    journal = new ArrayList<>(journal.subList(written, journal.size()));
                    state = policy.autoRecover(base);
                    recoveredAtMillis = clock.millis();
                    return;
                }
                since = new ArrayList<>(journal.subList(replayed, journal.size()));
            }
            base = HealthJournal.replay(base, since, zone());
            replayed += since.size();
        }
    }

    private void recoverIfDue() {
        long now = clock.millis();
        if (now - recoveredAtMillis >= RECOVERY_INTERVAL_MILLIS || now < recoveredAtMillis) {
            state = policy.autoRecover(state);
            recoveredAtMillis = now;
        }
    }

    private int inFlightLocked(String keyId) {
        return inFlight.getOrDefault(keyId, 0);
    }
}
