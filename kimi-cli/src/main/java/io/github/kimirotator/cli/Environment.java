package io.github.kimirotator.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 * @param console asks for a password without echo; empty when there is no console
 */
public record Environment(
        Map<String, String> variables,
        Path home,
        InputStream in,
        PrintStream out,
        PrintStream err,
        Clock clock,
        boolean terminal,
        Optional<Path> distHome,
        Optional<PasswordPrompt> console) {

    public Environment {
        variables = Map.copyOf(variables);
        distHome = distHome == null ? Optional.empty() : distHome;
        console = console == null ? Optional.empty() : console;
    }

    /** Asks for a secret without echo. */
    @FunctionalInterface
    public interface PasswordPrompt {
        char[] ask(String prompt);
    }

    /** The real process environment. */
    public static Environment system() {
        String dist = System.getProperty("kimi.home");
        // Always UTF-8: the list view's symbols must survive a C/POSIX locale, where Java would print '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return new Environment(System.getenv(), Path.of(System.getProperty("user.home")), System.in, out,
                err, new SystemClock(), System.console() != null,
                dist == null || dist.isBlank() ? Optional.empty() : Optional.of(Path.of(dist)),
                System.console() == null ? Optional.empty() : Optional.of(new ConsolePrompt()));
    }

    /** The console's no-echo prompt (a class, not a lambda: a first lambda costs start-up time). */
    private static final class ConsolePrompt implements PasswordPrompt {
        @Override
        public char[] ask(String prompt) {
            return System.console().readPassword("%s", prompt);
        }
    }

    public Optional<String> variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
