package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.TokenUsage;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Json;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.report.StatusReport;
import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

public final class StatsCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("stats", "Per-key and aggregate usage statistics.");
    }

    @Override
    protected int run() {
        AccountsState state = context().sharedView(context().get(AccountsStore.class).read());
        LocalDate today = LocalDate.now(context().get(Clock.class).withZone(ZoneOffset.UTC));
        List<Map<String, Object>> rows = new ArrayList<>();
        long total = 0;
        long successful = 0;
        long timeSum = 0;
        long timeCount = 0;
        TokenUsage allTokensToday = TokenUsage.NONE;
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", i);
            row.put("name", a.name());
            row.put("totalRequests", a.totalRequests());
            row.put("successfulRequests", a.successfulRequests());
            row.put("failedRequests", a.totalRequests() - a.successfulRequests());
            row.put("successRate", rate(a.successfulRequests(), a.totalRequests()));
            row.put("avgResponseMs", StatusReport.averageResponseMillis(a));
            row.put("minResponseMs", a.responseTimes().stream().min(Long::compare).orElse(null));
            row.put("maxResponseMs", a.responseTimes().stream().max(Long::compare).orElse(null));
            row.put("requestsToday", a.dailyRequests().getOrDefault(today.toString(), 0L));
            row.put("requestsLast7Days", lastDays(a, today, 7));
            TokenUsage tokensToday = a.tokensOn(today.toString());
            row.put("tokensToday", tokensToday);
            row.put("tokensLast7Days", tokensOver(a, today, 7));
            rows.add(row);
            allTokensToday = allTokensToday.plus(tokensToday);
            total += a.totalRequests();
            successful += a.successfulRequests();
            timeSum += a.responseTimes().stream().mapToLong(Long::longValue).sum();
            timeCount += a.responseTimes().size();
        }
        Long overallAvg = timeCount == 0 ? null : Math.round((double) timeSum / timeCount);
        PrintStream out = context().out();
        if (context().options().json()) {
            Map<String, Object> aggregate = new LinkedHashMap<>();
            aggregate.put("totalRequests", total);
            aggregate.put("successfulRequests", successful);
            aggregate.put("successRate", rate(successful, total));
            aggregate.put("avgResponseMs", overallAvg);
            aggregate.put("tokensToday", allTokensToday);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("keys", rows);
            doc.put("aggregate", aggregate);
            out.println(Json.write(doc));
            return 0;
        }
        if (rows.isEmpty()) {
            out.println("No keys yet. Add one with: " + context().invocation() + " add-key sk-kimi-... \"My Account\"");
            return 0;
        }
        out.println("📊 Usage Statistics");
        for (Map<String, Object> row : rows) {
            out.println();
            out.println("[" + row.get("index") + "] " + Names.escape((String) row.get("name")));
            out.println("   Total Requests: " + row.get("totalRequests"));
            out.println("   Successful: " + row.get("successfulRequests"));
            out.println("   Failed: " + row.get("failedRequests"));
            if (row.get("successRate") != null) {
                out.println("   Success Rate: " + percent((Double) row.get("successRate")));
            }
            if (row.get("avgResponseMs") == null) {
                out.println("   Avg Response Time: N/A");
            } else {
                out.println("   Avg Response Time: " + row.get("avgResponseMs") + "ms");
                out.println("   Response Time Range: " + row.get("minResponseMs") + "ms - " + row.get("maxResponseMs") + "ms");
            }
            out.println("   Requests Today: " + row.get("requestsToday"));
            out.println("   Requests Last 7 Days: " + row.get("requestsLast7Days"));
            out.println("   Tokens Today: " + tokens((TokenUsage) row.get("tokensToday")));
            out.println("   Tokens Last 7 Days: " + tokens((TokenUsage) row.get("tokensLast7Days")));
        }
        out.println();
        out.println("─".repeat(50));
        out.println("📈 Aggregate Statistics");
        out.println("   Total Requests (All Keys): " + total);
        out.println("   Total Successful: " + successful);
        // As the seed: no rate without requests, no average without samples.
        if (total > 0) {
            out.println("   Overall Success Rate: " + percent(rate(successful, total)));
        }
        if (overallAvg != null) {
            out.println("   Overall Avg Response Time: " + overallAvg + "ms");
        }
        out.println("   Tokens Today (All Keys): " + tokens(allTokensToday));
        return 0;
    }

    /**
     * Token counts as one line: input and output, and the prompt cache when it was used. Numbers are grouped
     * by hand: {@code String.format} would load the locale data (~10 ms of start-up).
     */
    static String tokens(TokenUsage t) {
        String line = grouped(t.input()) + " in / " + grouped(t.output()) + " out";
        if (t.cacheRead() > 0 || t.cacheCreation() > 0) {
            line += " (cache: " + grouped(t.cacheRead()) + " read, " + grouped(t.cacheCreation()) + " written)";
        }
        return line;
    }

    /** {@code n} with a comma between groups of three digits, as {@code %,d} in {@link Locale#ROOT}. */
    static String grouped(long n) {
        String digits = Long.toString(n);
        int start = n < 0 ? 1 : 0;
        StringBuilder text = new StringBuilder(digits.length() + digits.length() / 3);
        text.append(digits, 0, start);
        for (int i = start; i < digits.length(); i++) {
            if (i > start && (digits.length() - i) % 3 == 0) {
                text.append(',');
            }
            text.append(digits.charAt(i));
        }
        return text.toString();
    }

    private static TokenUsage tokensOver(Account a, LocalDate today, int days) {
        TokenUsage sum = TokenUsage.NONE;
        for (int d = 0; d < days; d++) {
            sum = sum.plus(a.tokensOn(today.minusDays(d).toString()));
        }
        return sum;
    }

    private static Double rate(long successful, long total) {
        return total == 0 ? null : Math.round(1000.0 * successful / total) / 10.0;
    }

    /** A rate as {@link #rate} rounds it (tenths), with one decimal: as {@code %.1f%%}. */
    static String percent(Double rate) {
        long tenths = Math.round(rate * 10);
        return tenths / 10 + "." + tenths % 10 + "%";
    }

    private static long lastDays(Account a, LocalDate today, int days) {
        long sum = 0;
        for (int d = 0; d < days; d++) {
            sum += a.dailyRequests().getOrDefault(today.minusDays(d).toString(), 0L);
        }
        return sum;
    }
}
