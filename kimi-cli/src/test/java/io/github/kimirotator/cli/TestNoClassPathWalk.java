package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday commands never look up a class or resource that is not there: on the launcher's class path such a
 * miss opens every jar of lib/ (tens of them) and costs tens of milliseconds of start-up. Each command runs as a
 * fresh process would, its classes (picocli's and ours) loaded anew by a class loader of its own over the test
 * class path, which records every class it fails to find and every resource lookup.
 */
class TestNoClassPathWalk {
    static final String KEY = "sk-kimi-WALKWALKWALKWALKWALKWALKWALK0001";

    @TempDir
    Path home;

    @Test
    void everydayCommandsLookUpNothingThatIsNotThere() throws Exception {
        List<List<String>> commands = List.of(
                List.of("add-key", KEY, "Walk"), List.of("list-keys"), List.of("--json", "list-keys"), List.of("stats"),
                List.of("use-key", "0"), List.of("--version"));
        for (List<String> command : commands) {
            try (RecordingLoader loader = new RecordingLoader()) {
                String[] result = runIn(loader, command);
                assertThat(result[0]).as(command + ": " + result[2]).isEqualTo("0");
                assertThat(result[2]).as(String.join(" ", command)).isEmpty();
                assertThat(loader.lookups()).as("lookups that walk the class path, by " + command).isEmpty();
            }
        }
    }

    /** The recorder itself: a class that is not there (picocli's factory looks for Groovy's) and a resource. */
    @Test
    void theRecorderNotesMissesAndResourceLookups() throws Exception {
        try (RecordingLoader loader = new RecordingLoader()) {
            assertThat(loader.getResource("META-INF/no-such-resource")).isNull();
            assertThatThrownBy(() -> Class.forName("groovy.lang.Closure", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThat(loader.lookups()).containsExactly("resource META-INF/no-such-resource", "class groovy.lang.Closure");
        }
    }

    /** Runs {@code command} through {@link IsolatedRun} loaded by {@code loader}; returns exit code, stdout, stderr. */
    private String[] runIn(RecordingLoader loader, List<String> command) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return (String[]) loader.loadClass(IsolatedRun.class.getName())
                    .getMethod("run", String.class, String[].class)
                    .invoke(null, home.toString(), command.toArray(new String[0]));
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Loads everything but the JDK itself from the test class path, noting each miss and resource lookup. */
    static final class RecordingLoader extends URLClassLoader {
        private final List<String> lookups = Collections.synchronizedList(new ArrayList<>());

        RecordingLoader() throws IOException {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        private static URL[] classPath() throws IOException {
            List<URL> urls = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    urls.add(Path.of(entry).toUri().toURL());
                }
            }
            return urls.toArray(new URL[0]);
        }

        List<String> lookups() {
            return List.copyOf(lookups);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            try {
                return super.findClass(name);
            } catch (ClassNotFoundException e) {
                lookups.add("class " + name);
                throw e;
            }
        }

        @Override
        public URL findResource(String name) {
            lookups.add("resource " + name);
            return super.findResource(name);
        }

        @Override
        public Enumeration<URL> findResources(String name) throws IOException {
            lookups.add("resources " + name);
            return super.findResources(name);
        }
    }

    /** Loaded by a {@link RecordingLoader}: runs one command as {@code main} would, with its own streams. */
    public static final class IsolatedRun {
        private IsolatedRun() {
        }

        public static String[] run(String home, String[] args) {
            KimiRotatorCli.configureJvm(args);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Environment environment = new Environment(Map.of(), Path.of(home), new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                    new SystemClock(), false, Optional.empty(), Optional.empty());
            int code = KimiRotatorCli.run(args, environment);
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        }
    }
}
