package io.github.kimirotator.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.RunningProxy;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.storage.ConfigPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

public final class WatchCommand extends CliCommand {
    /** Alternate screen on, cursor hidden; and back. The terminal is left as it was found. */
    public static final String ENTER = "\033[?1049h\033[?25l";
    public static final String LEAVE = "\033[?25h\033[?1049l";
    public static final String HOME_AND_CLEAR = "\033[H\033[2J";
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private HttpClient http;
    private URI base;
    private Optional<String> token;

    @Override
    protected CommandModel model() {
        return command("watch", "Live view of the running proxy's keys, redrawn every second (Ctrl-C to quit).")
                .option("--url", "URL", null, "The proxy's URL (default: the running proxy's, from serve.json).")
                .flag("--once", "Print one snapshot and exit.");
    }

    @Override
    protected int run() {
        String url = value("--url");
        boolean once = value("--once");
        ConfigPaths paths = context().get(ConfigPaths.class);
        // Only reads: a watch that finds no proxy leaves no folder behind.
        Path ownDir = paths.ownDirPath();
        base = url != null ? Arguments.uri("url", url) : RunningProxy.url(paths, context().invocation());
        token = LocalToken.load(ownDir);
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        // The first look decides: no proxy, or a refused token, is an error (exit 1), not an empty screen.
        List<String> first = render(fetch(), context().invocation());
        PrintStream out = context().out();
        if (once) {
            first.forEach(out::println);
            return 0;
        }
        boolean terminal = context().environment().terminal();
        try (Interrupts ignored = Interrupts.onCtrlC(Thread.currentThread())) {
            if (terminal) {
                out.print(ENTER);
            }
            List<String> frame = first;
            while (true) {
                if (terminal) {
                    out.print(HOME_AND_CLEAR);
                    frame.forEach(line -> out.print(line + "\033[K\n"));
                } else {
                    frame.forEach(out::println);
                    out.println();
                }
                out.flush();
                Thread.sleep(INTERVAL.toMillis());
                frame = lookAgain();
            }
        } catch (InterruptedException e) {
            // Ctrl-C: the way out
            return 0;
        } finally {
            if (terminal) {
                out.print(LEAVE);
                out.flush();
            }
        }
    }

    /** The next frame; while the proxy does not answer, a line saying so. */
    private List<String> lookAgain() throws InterruptedException {
        try {
            return render(fetch(), context().invocation());
        } catch (KimiException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return List.of("kimi-rotator watch: " + base, "", "The proxy is not answering: " + e.getMessage(),
                    "Retrying every second; Ctrl-C to quit.");
        }
    }

    /** Why a request got no answer, in words: Java's HTTP client gives a refused connection no message. */
    static String why(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer within " + TIMEOUT.toSeconds() + " s";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What {@code /_kimi/status} and {@code /_kimi/api/history} say now. */
    private record Look(JsonNode status, JsonNode history) {
    }

    private Look fetch() {
        return new Look(get("/_kimi/status"), get("/_kimi/api/history"));
    }

    private JsonNode get(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new KimiException(ErrorCode.NO_RUNNING_PROXY, "no proxy answers at " + base + " (" + why(e)
                    + "); start one with '" + context().invocation() + " start' or pass --url", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KimiException(ErrorCode.NO_RUNNING_PROXY, "interrupted while asking " + base, e);
        }
        if (response.statusCode() == 401) {
            throw new KimiException(ErrorCode.UNAUTHORIZED, "the proxy at " + base + " refused the local token "
                    + (token.isPresent() ? "" : "(there is none) ") + "in " + LocalToken.path(
                    context().get(ConfigPaths.class).ownDir()));
        }
        if (response.statusCode() != 200) {
            throw new KimiException(ErrorCode.NO_RUNNING_PROXY, base + path + " answered " + response.statusCode()
                    + ": is that a kimi-rotator proxy?");
        }
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new KimiException(ErrorCode.NO_RUNNING_PROXY, base + path + " did not answer JSON: is that a kimi-rotator proxy?", e);
        }
    }

    /** The picture: one line per key, then the totals of the current minute; hints name the command {@code program}. */
    static List<String> render(Look look, String program) {
        JsonNode status = look.status();
        JsonNode minutes = look.history().path("minutes");
        JsonNode thisMinute = minutes.isArray() && minutes.size() > 0 ? minutes.get(minutes.size() - 1) : MAPPER.createObjectNode();
        Instant now = Instant.parse(look.history().path("now").asText(Instant.EPOCH.toString()));
        List<String> lines = new ArrayList<>();
        lines.add("kimi-rotator watch · strategy " + Names.escape(status.path("strategy").asText()) + " · " + TIME.format(now));
        lines.add("");
        lines.add(String.format(Locale.ROOT, "  %-3s %-16s %-18s %6s  %-30s %6s %7s %7s  %s", "#", "key", "name",
                "health", "state", "in fl.", "req/min", "today", "tokens today (in / out)"));
        int active = status.path("activeIndex").asInt(-1);
        for (JsonNode key : status.path("keys")) {
            int index = key.path("index").asInt();
            JsonNode tokens = key.path("tokensToday");
            lines.add(String.format(Locale.ROOT, "%s %-3d %-16s %-18s %6d  %-30s %6d %7d %7d  %,d / %,d",
                    index == active ? "●" : "○", index, key.path("display").asText(),
                    cut(Names.escape(key.path("name").asText()), 18), key.path("health").asInt(), cut(state(key, now), 30),
                    key.path("inFlight").asInt(), thisMinute.path("requests").path(key.path("id").asText()).asLong(),
                    key.path("requestsToday").asLong(), tokens.path("input").asLong(), tokens.path("output").asLong()));
        }
        if (!status.path("keys").elements().hasNext()) {
            lines.add("  No keys yet: add one with '" + program + " add-key'.");
        }
        lines.add("");
        lines.add("This minute: " + sum(thisMinute.path("requests")) + " requests, " + thisMinute.path("failovers").asLong()
                + " failovers, " + sum(thisMinute.path("tokens")) + " tokens"
                + (thisMinute.path("latencyP95Ms").isNumber() ? ", upstream p50/p95 " + thisMinute.path("latencyP50Ms").asLong()
                + "/" + thisMinute.path("latencyP95Ms").asLong() + " ms" : ""));
        return lines;
    }

    /** The state with its countdown and reason. */
    private static String state(JsonNode key, Instant now) {
        String state = key.path("state").asText();
        if (key.path("limitedUntil").isTextual()) {
            Duration left = Duration.between(now, Instant.parse(key.path("limitedUntil").asText()));
            state += " " + ListKeysCommand.human(left.isNegative() ? Duration.ZERO : left);
        }
        if (key.path("reason").isTextual()) {
            state += " (" + Names.escape(key.path("reason").asText()) + ")";
        }
        return state;
    }

    private static long sum(JsonNode counts) {
        long total = 0;
        for (JsonNode n : counts) {
            total += n.asLong();
        }
        return total;
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }

    /** Turns Ctrl-C into an interrupt of the watching thread, for as long as it is open. */
    private static final class Interrupts implements AutoCloseable {
        private static final sun.misc.Signal INT = new sun.misc.Signal("INT");
        private final sun.misc.SignalHandler previous;

        private Interrupts(Thread watcher) {
            previous = sun.misc.Signal.handle(INT, signal -> watcher.interrupt());
        }

        static Interrupts onCtrlC(Thread watcher) {
            return new Interrupts(watcher);
        }

        @Override
        public void close() {
            sun.misc.Signal.handle(INT, previous);
        }
    }
}
