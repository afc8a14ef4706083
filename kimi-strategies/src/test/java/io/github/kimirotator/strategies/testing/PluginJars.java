package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.strategy.RotationStrategyProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Real plugin jars made inside a test: sources compiled with the system Java compiler against kimi-api alone
 * (as a third party would), then packed with a service file.
 */
public final class PluginJars {
    public static final String SERVICE_FILE =
            "META-INF/services/" + RotationStrategyProvider.class.getName();

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();
    private final Map<String, Integer> classVersions = new LinkedHashMap<>();

    private PluginJars() {
    }

    public static PluginJars plugin() {
        return new PluginJars();
    }

    /** A Java source of the class {@code className}. */
    public PluginJars source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** The service file listing {@code providerClasses}, one a line. */
    public PluginJars services(String... providerClasses) {
        return resource(SERVICE_FILE, String.join("\n", providerClasses) + "\n");
    }

    public PluginJars resource(String path, String content) {
        resources.put(path, content);
        return this;
    }

    /** Rewrites the class file's major version, e.g. to one no JVM of today reads. */
    public PluginJars classFileMajorVersion(String className, int major) {
        classVersions.put(className, major);
        return this;
    }

    /** Compiles, packs and writes the jar to {@code jar}. */
    public Path writeTo(Path jar) {
        try {
            Path work = Files.createTempDirectory(jar.getParent(), "plugin-build");
            Path src = work.resolve("src");
            Path classes = Files.createDirectories(work.resolve("classes"));
            List<Path> files = new ArrayList<>();
            for (Map.Entry<String, String> s : sources.entrySet()) {
                Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, s.getValue());
                files.add(file);
            }
            if (!files.isEmpty()) {
                compile(files, classes);
            }
            for (Map.Entry<String, Integer> v : classVersions.entrySet()) {
                Path file = classes.resolve(v.getKey().replace('.', '/') + ".class");
                byte[] bytes = Files.readAllBytes(file);
                bytes[6] = (byte) (v.getValue() >> 8);
                bytes[7] = (byte) (int) v.getValue();
                Files.write(file, bytes);
            }
            for (Map.Entry<String, String> r : resources.entrySet()) {
                Path file = classes.resolve(r.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, r.getValue());
            }
            return jarDirectory(classes, jar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Packs the files under {@code root} into {@code jar}. */
    public static Path jarDirectory(Path root, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream jarOut = new JarOutputStream(out, manifest);
                Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                jarOut.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
                jarOut.write(Files.readAllBytes(file));
                jarOut.closeEntry();
            }
        }
        return jar;
    }

    /** Where kimi-api's classes are: the only class path a plugin is compiled against. */
    public static Path apiClassPath() {
        try {
            return Path.of(RotationStrategyProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void compile(List<Path> files, Path classes) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StringBuilder diagnostics = new StringBuilder();
        try (StandardJavaFileManager fm = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
            List<String> options = List.of("--release", "17", "-classpath", apiClassPath().toString(),
                    "-d", classes.toString(), "-implicit:none");
            boolean ok = compiler.getTask(null, fm, d -> diagnostics.append(d).append('\n'), options, null, units)
                    .call();
            if (!ok) {
                throw new IllegalStateException("plugin sources do not compile:\n" + diagnostics);
            }
        }
    }
}
