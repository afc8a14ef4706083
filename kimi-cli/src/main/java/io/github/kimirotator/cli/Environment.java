package io.github.kimirotator.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the CLI takes from the outside world, so tests run commands in-process with their own streams,
 * variables, home directory and clock.
 *
 * @param terminal whether stdout is an interactive terminal (colour is used only then)
 * @param distHome the unpacked distribution's folder (for {@code <dist>/plugins}), if known
 */
public record Environment(
        Map<String, String> variables,
        Path home,
        InputStream in,
        PrintStream out,
        PrintStream err,
        Clock clock,
        boolean terminal,
        Optional<Path> distHome) {

    public Environment {
        variables = Map.copyOf(variables);
        distHome = distHome == null ? Optional.empty() : distHome;
    }

    /** The real process environment. */
    public static Environment system() {
        String dist = System.getProperty("kimi.home");
        return new Environment(System.getenv(), Path.of(System.getProperty("user.home")), System.in, System.out,
                System.err, Clock.systemDefaultZone(), System.console() != null,
                dist == null || dist.isBlank() ? Optional.empty() : Optional.of(Path.of(dist)));
    }

    public Optional<String> variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
