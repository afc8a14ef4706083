package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.cli.Ansi;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Json;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.util.Set;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.report.StatusReport;
import io.github.kimirotator.strategies.report.StatusReport.KeyReport;
import java.io.PrintStream;
import java.time.Duration;

public final class ListKeysCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("list-keys", "List the keys: ● active / ○ other, masked key, health, requests, status.")
                .environment("  NO_COLOR  no colour, even on a terminal");
    }

    @Override
    protected int run() {
        HealthPolicy policy = context().get(HealthPolicy.class);
        AccountsState state = policy.autoRecover(context().sharedView(context().get(AccountsStore.class).read()));
        String missing = notInstalled(context(), state.effectiveStrategy());
        if (missing != null) {
            context().err().println("warning: " + missing);
        }
        PrintStream out = context().out();
        if (context().options().json()) {
            out.println(Json.write(StatusReport.of(state, policy, id -> 0)));
            return 0;
        }
        StatusReport report = StatusReport.withoutIds(state, policy);
        if (state.accounts().isEmpty()) {
            out.println("No keys yet. Add one with: " + context().invocation() + " add-key sk-kimi-... \"My Account\"");
            return 0;
        }
        Ansi ansi = new Ansi(context().colour());
        out.println(ansi.bold("Kimi API Keys (" + report.keys().size() + " total, strategy: " + strategyInForce(report.strategy(), missing) + "):"));
        long now = policy.clock().millis();
        for (KeyReport key : report.keys()) {
            Account account = state.accounts().get(key.index());
            out.println();
            out.println((key.index() == report.activeIndex() ? "● " : "○ ") + "[" + key.index() + "] " + Names.escape(key.name()));
            out.println("   Key: " + key.display());
            out.println("   Health: " + healthBar(key.health(), ansi) + " " + key.health() + "%");
            out.println("   Requests: " + key.successfulRequests() + "/" + key.totalRequests() + " successful");
            out.println("   Status: " + status(key, account, now, ansi, context().invocation()));
        }
        out.println();
        out.println("Health auto-refresh: " + (state.autoRefreshHealth() ? "enabled" : "disabled")
                + " (cooldown: " + state.healthRefreshCooldownMinutes() + " minutes)");
        return 0;
    }

    /**
     * What to say when the strategy {@code name} is not installed (see {@link DefaultKeySelector#notInstalled}), or
     * null. The plugins are looked at only for a name that is not built in (they cost start-up), and a registry that
     * cannot load (two plugins with one name) is left to the commands that need strategies to report.
     */
    static String notInstalled(CliContext context, String name) {
        if (ServiceLoaderStrategyRegistry.BUILT_IN_NAMES.contains(name)) {
            return null;
        }
        Set<String> installed;
        try {
            installed = context.get(StrategyRegistry.class).names();
        } catch (RuntimeException e) {
            return null;
        }
        return DefaultKeySelector.notInstalled(name, installed);
    }

    /** The strategy's name as shown, saying what is used instead when it is not installed ({@code missing}). */
    static String strategyInForce(String name, String missing) {
        return Names.escape(name) + (missing == null ? "" : " (not installed; using " + AccountsState.DEFAULT_STRATEGY + ")");
    }

    static String healthBar(int health, Ansi ansi) {
        int filled = Math.round(health / 10f);
        String bar = "█".repeat(filled) + "░".repeat(10 - filled);
        if (health >= 70) {
            return ansi.green(bar);
        }
        return health >= HealthPolicy.MIN_ELIGIBLE_HEALTH ? ansi.yellow(bar) : ansi.red(bar);
    }

    private static String status(KeyReport key, Account account, long now, Ansi ansi, String program) {
        switch (key.state()) {
            case "limited":
                String reason = account.limitReason() != null ? Names.escape(account.limitReason())
                        : account.billingLimitResetTime() > now ? "billing limit" : "rate limited";
                return ansi.yellow("⏳ Limited (" + reason + "), resets in "
                        + human(Duration.ofMillis(account.limitedUntil() - now)) + " (" + key.limitedUntil() + ")");
            case "disabled":
                return ansi.red("✗ Disabled (" + (account.limitReason() == null ? "key rejected" : Names.escape(account.limitReason()))
                        + "); re-enable with: " + program + " clear-limits " + key.index());
            case "low-health":
                return ansi.yellow("⚠ Low health (used only when no other key can serve)");
            default:
                int failures = account.consecutiveFailures();
                // The seed's view: an eligible key that failed lately is not shown as plainly fine.
                return failures > 0 ? ansi.yellow("⚠️  " + failures + " consecutive failure" + (failures == 1 ? "" : "s"))
                        : ansi.green("✓ Active");
        }
    }

    /** A key as the commands name it: {@code [index] name (sk-kimi-...last4)}, the name escaped. */
    static String label(int index, String name, String key) {
        return "[" + index + "] " + Names.escape(name) + " (" + ApiKeys.display(key) + ")";
    }

    static String human(Duration d) {
        long s = Math.max(0, (d.toMillis() + 999) / 1000);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return (s / 3600) + "h " + ((s % 3600) / 60) + "m";
    }
}
