package io.github.kimirotator.strategies.plugin;

import io.github.kimirotator.api.strategy.RotationStrategyProvider;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds strategies in plugin jars: every {@code *.jar} directly inside the given directories, each in its own
 * class loader whose parent is an {@link ApiOnlyClassLoader}. A jar that cannot be used (not a jar, no or a
 * bad service file, a provider whose class needs a newer Java or whose constructor throws, an invalid name)
 * is skipped as a whole with one warning line naming it; the other jars still load.
 */
public final class PluginLoader {
    public static final String SERVICE_FILE = "META-INF/services/" + RotationStrategyProvider.class.getName();
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /** What was found, in directory order then jar name order, and one line per jar that was skipped. */
    public record Result(List<DiscoveredStrategy> strategies, List<String> warnings) {
        public Result {
            strategies = List.copyOf(strategies);
            warnings = List.copyOf(warnings);
        }
    }

    private final ClassLoader parent;

    /** A loader whose plugins see the kimi-api classes this class sees. */
    public PluginLoader() {
        this(RotationStrategyProvider.class.getClassLoader());
    }

    /** A loader whose plugins see the kimi-api classes defined by {@code apiLoader}. */
    public PluginLoader(ClassLoader apiLoader) {
        this.parent = new ApiOnlyClassLoader(apiLoader);
    }

    /**
     * Loads the jars of {@code directories}; a directory that does not exist is skipped silently, one given twice
     * (the dist and the config dir can be the same place) is read once.
     */
    public Result load(List<Path> directories) {
        List<DiscoveredStrategy> found = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Path dir : directories.stream().map(d -> d.toAbsolutePath().normalize()).distinct().toList()) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> jars;
            try (Stream<Path> files = Files.list(dir)) {
                jars = files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar"))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList();
            } catch (IOException e) {
                warnings.add("plugins directory " + dir + " could not be read: " + oneLine(e));
                continue;
            }
            for (Path jar : jars) {
                try {
                    found.addAll(loadJar(jar));
                } catch (PluginProblem e) {
                    warnings.add("plugin " + jar + " was not loaded: " + e.getMessage());
                }
            }
        }
        return new Result(found, warnings);
    }

    private List<DiscoveredStrategy> loadJar(Path jar) throws PluginProblem {
        requireServiceFile(jar);
        URLClassLoader loader = new URLClassLoader("kimi-plugin " + jar.getFileName(), new URL[] {url(jar)}, parent);
        try {
            List<DiscoveredStrategy> strategies = new ArrayList<>();
            for (RotationStrategyProvider provider : ServiceLoader.load(RotationStrategyProvider.class, loader)) {
                String name = provider.name();
                if (name == null || !NAME.matcher(name).matches()) {
                    throw new PluginProblem(provider.getClass().getName() + " has an invalid name '" + name
                            + "' (lower case letters, digits and '-', at most 64)");
                }
                strategies.add(new DiscoveredStrategy(name, oneLine(provider.description()), jar.toString(), provider));
            }
            if (strategies.isEmpty()) {
                throw new PluginProblem(SERVICE_FILE + " lists no provider");
            }
            return strategies;
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            close(loader);
            throw new PluginProblem(describe(e));
        } catch (PluginProblem e) {
            close(loader);
            throw e;
        }
    }

    private static void requireServiceFile(Path jar) throws PluginProblem {
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getEntry(SERVICE_FILE) == null) {
                throw new PluginProblem("it has no " + SERVICE_FILE);
            }
        } catch (IOException e) {
            throw new PluginProblem("it is not a readable jar (" + oneLine(e) + ")");
        }
    }

    private static URL url(Path jar) throws PluginProblem {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new PluginProblem("its path cannot be a URL (" + oneLine(e) + ")");
        }
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // Nothing was loaded from it; a jar that cannot even be closed changes nothing for the user.
        }
    }

    /** The error and its root cause on one line: the cause usually says what the plugin author must fix. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? oneLine(e) : oneLine(e) + " (caused by " + oneLine(root) + ")";
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        return oneLine(e.getClass().getName() + (message == null ? "" : ": " + message));
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** Why one jar was skipped. */
    private static final class PluginProblem extends Exception {
        PluginProblem(String message) {
            super(message, null, false, false);
        }
    }
}
