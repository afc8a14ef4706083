package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Json;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.StrategyInfo;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class StrategiesCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("strategies", "List the strategies found (built-in and plugins) and where each came from.");
    }

    @Override
    protected int run() {
        StrategyRegistry registry = context().get(StrategyRegistry.class);
        registry.warnings().forEach(w -> context().err().println("warning: " + w));
        String current = context().get(AccountsStore.class).read().effectiveStrategy();
        List<StrategyInfo> strategies = registry.list();
        if (context().options().json()) {
            List<Map<String, Object>> rows = strategies.stream().map(s -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", s.name());
                row.put("description", s.description());
                row.put("source", s.source());
                row.put("active", s.name().equals(current));
                return row;
            }).toList();
            context().out().println(Json.write(Map.of("strategies", rows)));
            return 0;
        }
        int width = strategies.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (StrategyInfo s : strategies) {
            String marker = s.name().equals(current) ? "●" : "○";
            context().out().printf("%s %-" + width + "s  %s%n      source: %s%n", marker, s.name(), s.description(), s.source());
        }
        return 0;
    }
}
