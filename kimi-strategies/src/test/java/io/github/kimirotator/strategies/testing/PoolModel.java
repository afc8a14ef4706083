package io.github.kimirotator.strategies.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.StrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * A key pool as the proxy and the CLI see it: an accounts state changed only through {@link HealthPolicy},
 * a test clock, in-flight counts, and a real {@link DefaultKeySelector}. Every selection is checked against
 * {@link SelectionOracle} and the strategy's own {@link StrategyCheck}.
 *
 * <p>Key positions given to actions are taken modulo the current number of keys, so a chain stays valid
 * when jqwik shrinks it by dropping steps.
 */
public final class PoolModel {
    public static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    public static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    static final int MAX_KEYS = 8;
    /** The kinds of selection a chain can go through; see {@link #situations()}. */
    public static final List<String> SITUATIONS = List.of("several candidates", "low-health only",
            "none eligible, one frees up", "none eligible, none frees up", "rotate moved");

    private final MutableClock clock = MutableClock.at(START, ZONE);
    private final HealthPolicy policy = new HealthPolicy(clock);
    private final RecordingRegistry registry;
    private final KeySelector selector;
    private final StrategyCheck check;
    private final Map<String, Integer> inFlight = new HashMap<>();
    private AccountsState state;
    private int keysMade;
    private final Set<String> situations = new TreeSet<>();

    PoolModel(String strategy, StrategyRegistry registry, StrategyCheck check, int initialKeys) {
        this.registry = new RecordingRegistry(registry);
        this.selector = new DefaultKeySelector(this.registry, policy);
        this.check = check;
        this.state = AccountsState.empty().withStrategy(strategy);
        for (int i = 0; i < initialKeys; i++) {
            addKey();
        }
    }

    /** Which of {@link #SITUATIONS} this chain went through. */
    public Set<String> situations() {
        return Collections.unmodifiableSet(situations);
    }

    int size() {
        return state.accounts().size();
    }

    void addKey() {
        if (size() >= MAX_KEYS) {
            return;
        }
        keysMade++;
        String key = String.format("sk-kimi-test%012d", keysMade);
        List<Account> accounts = new ArrayList<>(state.accounts());
        accounts.add(Account.newKey(key, "Account " + keysMade, clock.millis()));
        state = state.withAccounts(accounts);
    }

    /** As {@code remove-key} does: the active key stays the same key while it exists. */
    void removeKey(int position) {
        if (size() == 0) {
            return;
        }
        int index = Math.floorMod(position, size());
        List<Account> accounts = new ArrayList<>(state.accounts());
        inFlight.remove(ApiKeys.id(accounts.remove(index).key()));
        int active = state.safeActiveIndex();
        int newActive = index < active ? active - 1 : Math.min(active, Math.max(0, accounts.size() - 1));
        state = state.withAccounts(accounts).withActiveIndex(newActive);
    }

    void event(int position, HealthEvent event) {
        if (size() > 0) {
            state = state.withAccount(Math.floorMod(position, size()), a -> policy.apply(a, event));
        }
    }

    void clearLimits(int position) {
        if (size() > 0) {
            state = state.withAccount(Math.floorMod(position, size()), HealthPolicy::clearLimits);
        }
    }

    void useKey(int position) {
        if (size() > 0) {
            state = state.withActiveIndex(Math.floorMod(position, size()));
        }
    }

    void setInFlight(int position, int count) {
        if (size() > 0) {
            inFlight.put(ApiKeys.id(state.accounts().get(Math.floorMod(position, size())).key()), count);
        }
    }

    void advance(Duration d) {
        clock.advance(d);
    }

    /** What callers do before selecting: the selector itself never recovers health. */
    void recover() {
        state = policy.autoRecover(state);
    }

    /** A request's selection; {@code activate} makes the choice the active key, as the proxy does. */
    void select(Set<Integer> excludedPositions, Optional<String> session, boolean activate) {
        Set<Integer> excluded = size() == 0 ? Set.of()
                : excludedPositions.stream().map(p -> Math.floorMod(p, size())).collect(Collectors.toSet());
        ToIntFunction<String> counts = id -> inFlight.getOrDefault(id, 0);
        Selection selection = selector.select(state, excluded, counts, KeySelector.Hints.session(session));
        verify(excluded, session, counts, selection);
        if (activate && selection instanceof Selection.Chosen c) {
            state = state.withActiveIndex(c.index());
        }
    }

    /** {@code rotate}: never the active key while another key can be chosen. */
    void rotate() {
        Set<Integer> active = size() == 0 ? Set.of() : Set.of(state.safeActiveIndex());
        Selection selection = selector.rotate(state);
        verify(active, Optional.empty(), id -> 0, selection);
        if (selection instanceof Selection.Chosen c) {
            assertThat(c.index()).as("rotate moves").isNotEqualTo(state.safeActiveIndex());
            situations.add("rotate moved");
            state = state.withActiveIndex(c.index());
        }
    }

    private void verify(Set<Integer> excluded, Optional<String> session, ToIntFunction<String> counts,
            Selection selection) {
        Optional<RecordingRegistry.Call> call = registry.takeLast();
        SelectionOracle.verify(state, clock.instant(), excluded, session, counts, selection, call);
        call.ifPresent(c -> check.verify(c.request(), c.answer()));
        if (selection instanceof Selection.NoneEligible none) {
            situations.add(none.soonestFree().isPresent() ? "none eligible, one frees up"
                    : "none eligible, none frees up");
        } else if (!call.get().request().candidates().get(0).eligible()) {
            situations.add("low-health only");
        } else if (call.get().request().candidates().size() > 1) {
            situations.add("several candidates");
        }
    }

    @Override
    public String toString() {
        long now = clock.millis();
        StringBuilder sb = new StringBuilder("pool at ").append(clock.instant())
                .append(", active ").append(state.safeActiveIndex()).append(':');
        for (int i = 0; i < size(); i++) {
            Account a = state.accounts().get(i);
            sb.append(" [").append(i).append(" h=").append(a.healthScore())
                    .append(a.disabled() ? " disabled" : "")
                    .append(a.isLimited(now) ? " limited+" + (a.limitedUntil() - now) / 1000 + "s" : "")
                    .append(" inFlight=").append(inFlight.getOrDefault(ApiKeys.id(a.key()), 0)).append(']');
        }
        return sb.toString();
    }
}
