package io.github.kimirotator.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The whole accounts file: the keys and the settings. Immutable.
 *
 * <p>{@code rotationStrategy} is the seed's field and only ever holds one of {@link #SEED_STRATEGIES}, so the
 * seed keeps accepting the file; {@code strategy} is ours and holds any other strategy's name (or
 * {@code null}). Use {@link #effectiveStrategy()} to know which strategy is in force and
 * {@link #withStrategy(String)} to change it.
 */
public record AccountsState(
        int version,
        List<Account> accounts,
        int activeIndex,
        String rotationStrategy,
        String strategy,
        boolean autoRefreshHealth,
        int healthRefreshCooldownMinutes,
        Map<String, Object> extra) {

    public static final int CURRENT_VERSION = 1;
    public static final int MAX_KEYS = 100;
    public static final String DEFAULT_STRATEGY = "health-based";
    public static final Set<String> SEED_STRATEGIES = Set.of("round-robin", "health-based", "sticky");
    public static final int DEFAULT_COOLDOWN_MINUTES = 30;
    public static final int MIN_COOLDOWN_MINUTES = 1;
    public static final int MAX_COOLDOWN_MINUTES = 1440;

    public AccountsState {
        accounts = List.copyOf(accounts == null ? List.of() : accounts);
        Objects.requireNonNull(rotationStrategy, "rotationStrategy");
        extra = Frozen.inOrder(extra);
    }

    /** The state of a file that does not exist yet. */
    public static AccountsState empty() {
        return new AccountsState(CURRENT_VERSION, List.of(), 0, DEFAULT_STRATEGY, null, true,
                DEFAULT_COOLDOWN_MINUTES, Map.of());
    }

    /** The strategy in force: ours if set, else the seed's. */
    public String effectiveStrategy() {
        return strategy != null && !strategy.isBlank() ? strategy : rotationStrategy;
    }

    /**
     * This state with {@code name} in force. A seed name goes into {@code rotationStrategy} and clears ours;
     * any other name goes into {@code strategy} and leaves {@code rotationStrategy} at its last seed-valid
     * value, so the seed can still read the file.
     */
    public AccountsState withStrategy(String name) {
        if (SEED_STRATEGIES.contains(name)) {
            return new AccountsState(version, accounts, activeIndex, name, null, autoRefreshHealth,
                    healthRefreshCooldownMinutes, extra);
        }
        return new AccountsState(version, accounts, activeIndex, rotationStrategy, name, autoRefreshHealth,
                healthRefreshCooldownMinutes, extra);
    }

    public AccountsState withAccounts(List<Account> newAccounts) {
        return new AccountsState(version, newAccounts, activeIndex, rotationStrategy, strategy,
                autoRefreshHealth, healthRefreshCooldownMinutes, extra);
    }

    public AccountsState withActiveIndex(int index) {
        return new AccountsState(version, accounts, index, rotationStrategy, strategy, autoRefreshHealth,
                healthRefreshCooldownMinutes, extra);
    }

    public AccountsState withAutoRefreshHealth(boolean on) {
        return new AccountsState(version, accounts, activeIndex, rotationStrategy, strategy, on,
                healthRefreshCooldownMinutes, extra);
    }

    public AccountsState withCooldownMinutes(int minutes) {
        return new AccountsState(version, accounts, activeIndex, rotationStrategy, strategy,
                autoRefreshHealth, minutes, extra);
    }

    /** This state with the account at {@code index} replaced by {@code change} applied to it. */
    public AccountsState withAccount(int index, UnaryOperator<Account> change) {
        List<Account> copy = new ArrayList<>(accounts);
        copy.set(index, change.apply(copy.get(index)));
        return withAccounts(copy);
    }

    /** The index of the account holding {@code key}, or {@code -1}. */
    public int indexOfKey(String key) {
        for (int i = 0; i < accounts.size(); i++) {
            if (accounts.get(i).key().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    /** The active index clamped into range ({@code 0} when there are no keys). */
    public int safeActiveIndex() {
        if (accounts.isEmpty()) {
            return 0;
        }
        return Math.max(0, Math.min(activeIndex, accounts.size() - 1));
    }
}
