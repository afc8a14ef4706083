package io.github.kimirotator.strategies;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link KeySelector}: turns the accounts into {@link KeyView}s, decides the candidates (contract section
 * 4) and asks the strategy in force, one instance per strategy name.
 *
 * <p>Health recovery ({@link HealthPolicy#autoRecover}) is not applied here: the selector only reads the state
 * it is given, so callers that own the state (and write it back) apply recovery before selecting.
 */
public final class DefaultKeySelector implements KeySelector {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultKeySelector.class);

    private final StrategyRegistry registry;
    private final HealthPolicy policy;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, RotationStrategy> instances = new HashMap<>();
    private final Set<String> warned = new HashSet<>();
    private final Consumer<String> warnings;

    /** A selector that logs its warnings (the proxy's way: they go to its log). */
    public DefaultKeySelector(StrategyRegistry registry, HealthPolicy policy) {
        this(registry, policy, LOG::warn);
    }

    /**
     * A selector that hands each warning (one line, each kind once) to {@code warnings}; the CLI prints them as
     * its {@code warning: } lines instead of log lines.
     */
    public DefaultKeySelector(StrategyRegistry registry, HealthPolicy policy, Consumer<String> warnings) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /**
     * What is said when the strategy in force, {@code name}, is not installed (a plugin jar removed, a file edited
     * by hand): the selector uses health-based instead. Null when {@code name} is installed.
     */
    public static String notInstalled(String name, Set<String> installed) {
        if (installed.contains(name)) {
            return null;
        }
        return "strategy '" + Names.escape(name) + "' is not installed (no plugin provides it); using "
                + AccountsState.DEFAULT_STRATEGY;
    }

    @Override
    public Selection select(AccountsState state, Set<Integer> excluded, ToIntFunction<String> inFlight, Hints hints) {
        Objects.requireNonNull(excluded, "excluded");
        Objects.requireNonNull(inFlight, "inFlight");
        return choose(state, excluded, inFlight, hints == null ? Hints.NONE : hints);
    }

    @Override
    public Set<String> strategyNames() {
        return registry.names();
    }

    @Override
    public Selection rotate(AccountsState state) {
        Set<Integer> active = state.accounts().isEmpty() ? Set.of() : Set.of(state.safeActiveIndex());
        return choose(state, active, id -> 0, Hints.NONE);
    }

    private Selection choose(AccountsState state, Set<Integer> excluded, ToIntFunction<String> inFlight,
            Hints hints) {
        Instant now = policy.clock().instant();
        List<KeySnapshot> keys = snapshot(state, inFlight, now);
        List<KeyView> candidates = candidates(keys, excluded);
        if (candidates.isEmpty()) {
            return new Selection.NoneEligible(soonestFree(keys, excluded));
        }
        SelectionRequest request = new SelectionRequest(List.copyOf(keys), candidates, state.safeActiveIndex(),
                hints.sessionId(), now, hints.turn(), hints.sharedSessionKeyId());
        lock.lock();
        try {
            String name = state.effectiveStrategy();
            return new Selection.Chosen(validated(name, strategyFor(name), request));
        } finally {
            lock.unlock();
        }
    }

    private List<KeySnapshot> snapshot(AccountsState state, ToIntFunction<String> inFlight, Instant now) {
        // One fixed instant for the whole view, so a limit cannot end halfway through building it.
        HealthPolicy atNow = new HealthPolicy(Clock.fixed(now, policy.clock().getZone()));
        String today = HealthPolicy.Days.of(now).today();
        List<Account> accounts = state.accounts();
        List<KeySnapshot> keys = new ArrayList<>(accounts.size());
        for (int i = 0; i < accounts.size(); i++) {
            Account a = accounts.get(i);
            String id = ApiKeys.id(a.key());
            Optional<Instant> limitedUntil = a.isLimited(now.toEpochMilli())
                    ? Optional.of(Instant.ofEpochMilli(a.limitedUntil()))
                    : Optional.empty();
            keys.add(new KeySnapshot(i, id, a.name(), a.healthScore(), a.disabled(), limitedUntil,
                    atNow.status(a) == KeyStatus.ACTIVE, Instant.ofEpochMilli(Math.max(0, a.lastUsed())),
                    inFlight.applyAsInt(id), a.totalRequests(), a.successfulRequests(),
                    a.dailyRequests().getOrDefault(today, 0L)));
        }
        return keys;
    }

    private static List<KeyView> candidates(List<KeySnapshot> keys, Set<Integer> excluded) {
        List<KeyView> eligible = new ArrayList<>();
        List<KeyView> lowHealth = new ArrayList<>();
        for (KeySnapshot k : keys) {
            if (excluded.contains(k.index())) {
                continue;
            }
            if (k.eligible()) {
                eligible.add(k);
            } else if (k.usable()) {
                lowHealth.add(k);
            }
        }
        return eligible.isEmpty() ? lowHealth : eligible;
    }

    private static Optional<Instant> soonestFree(List<KeySnapshot> keys, Set<Integer> excluded) {
        return keys.stream()
                .filter(k -> !k.disabled() && !excluded.contains(k.index()))
                .flatMap(k -> k.limitedUntil().stream())
                .min(Instant::compareTo);
    }

    private RotationStrategy strategyFor(String name) {
        RotationStrategy strategy = instances.get(name);
        if (strategy == null) {
            strategy = create(name);
            instances.put(name, strategy);
        }
        return strategy;
    }

    /**
     * A new instance of {@code name}; health-based when the name is unknown (a file edited by hand, a plugin
     * removed) or the plugin cannot create it, so requests keep being served.
     */
    private RotationStrategy create(String name) {
        String fallback = AccountsState.DEFAULT_STRATEGY;
        if (name.equals(fallback)) {
            return registry.create(fallback);
        }
        if (!registry.names().contains(name)) {
            warnOnce("unknown " + name, notInstalled(name, registry.names()));
            return strategyFor(fallback);
        }
        try {
            return registry.create(name);
        } catch (KimiException e) {
            warnOnce("broken " + name, e.getMessage() + "; using '" + fallback + "'");
            return strategyFor(fallback);
        }
    }

    /** The strategy's choice, or the first candidate when a (plugin) strategy breaks its contract. */
    private int validated(String name, RotationStrategy strategy, SelectionRequest request) {
        KeyView chosen;
        try {
            chosen = strategy.choose(request);
        } catch (RuntimeException | LinkageError e) {
            warnOnce("failed " + name, "strategy '" + name + "' failed (" + e + "); using the first candidate");
            return request.candidates().get(0).index();
        }
        if (chosen != null) {
            for (KeyView c : request.candidates()) {
                if (c.index() == chosen.index()) {
                    return c.index();
                }
            }
        }
        String what = chosen == null ? "nothing" : "key " + chosen.index();
        warnOnce("invalid " + name, "strategy '" + name + "' chose " + what
                + ", which is not a candidate; using the first candidate");
        return request.candidates().get(0).index();
    }

    /** Logs the first problem of each kind per strategy; a proxy would otherwise log it on every request. */
    private void warnOnce(String topic, String message) {
        if (warned.add(topic)) {
            warnings.accept(message);
        }
    }
}
