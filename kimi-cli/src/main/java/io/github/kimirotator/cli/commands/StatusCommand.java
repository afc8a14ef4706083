package io.github.kimirotator.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.RunningProxy;
import io.github.kimirotator.storage.ConfigPaths;
import java.time.Clock;
import java.time.Duration;

public final class StatusCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("status", "Show the proxy that serves this accounts file: URL, pid, uptime, keys that can serve now, strategy."
                + " Exit 1 when none runs.");
    }

    @Override
    protected int run() {
        BackgroundProxy proxies = new BackgroundProxy(context());
        BackgroundProxy.Running running = proxies.find().orElseThrow(() -> RunningProxy.notRunning(
                context().get(ConfigPaths.class), context().invocation(), "", false));
        JsonNode status = proxies.status(running);
        int total = 0;
        int usable = 0;
        for (JsonNode key : status.path("keys")) {
            total++;
            String state = key.path("state").asText();
            if (!"limited".equals(state) && !"disabled".equals(state)) {
                usable++;
            }
        }
        Duration uptime = Duration.between(running.info().startedAt(), context().get(Clock.class).instant());
        context().out().println("Proxy: " + running.url() + " (pid " + running.pid() + "), up " + format(uptime));
        context().out().println("Strategy: " + status.path("strategy").asText() + "; keys that can serve now: " + usable + " of " + total);
        return 0;
    }

    /** {@code 3d 4h}, {@code 2h 5m}, {@code 7m 12s}, {@code 40s}. */
    static String format(Duration uptime) {
        long s = Math.max(0, uptime.toSeconds());
        if (s >= 86_400) {
            return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
        }
        if (s >= 3600) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        if (s >= 60) {
            return s / 60 + "m " + s % 60 + "s";
        }
        return s + "s";
    }
}
