package io.github.kimirotator.strategies.plugin;

import static io.github.kimirotator.strategies.testing.PluginJars.plugin;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;
import io.github.kimirotator.strategies.testing.TestKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin jars built in the test, loaded in their own class loaders that see only kimi-api and the JDK. */
class TestPluginLoader {
    @TempDir
    Path plugins;

    /** A provider whose description is the value of {@code descriptionExpression}, evaluated in the plugin. */
    static String provider(String pkg, String name, String descriptionExpression, String constructorBody) {
        return """
                package %s;

                import io.github.kimirotator.api.strategy.RotationStrategy;
                import io.github.kimirotator.api.strategy.RotationStrategyProvider;

                public class Provider implements RotationStrategyProvider {
                    public Provider() { %s }
                    public String name() { return "%s"; }
                    public String description() { return %s; }
                    public RotationStrategy create() {
                        return request -> request.candidates().get(request.candidates().size() - 1);
                    }
                }
                """.formatted(pkg, constructorBody, name, descriptionExpression);
    }

    static Path goodJar(Path dir, String file, String pkg, String name) {
        return plugin().source(pkg + ".Provider", provider(pkg, name, "\"" + name + " from a jar\"", ""))
                .services(pkg + ".Provider")
                .writeTo(dir.resolve(file));
    }

    @Test
    void loadsAStrategyFromAJarInItsOwnClassLoader() {
        Path jar = goodJar(plugins, "last.jar", "com.example.last", "last-key");

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins));

        assertThat(result.warnings()).isEmpty();
        assertThat(result.strategies()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("last-key");
            assertThat(s.description()).isEqualTo("last-key from a jar");
            assertThat(s.source()).isEqualTo(jar.toString());
            ClassLoader loader = s.provider().getClass().getClassLoader();
            assertThat(loader).isNotSameAs(getClass().getClassLoader());
            assertThat(loader.getParent()).isInstanceOf(ApiOnlyClassLoader.class);
            RotationStrategy strategy = s.provider().create();
            assertThat(strategy.choose(TestKey.request(0, TestKey.key(0), TestKey.key(3))).index()).isEqualTo(3);
        });
    }

    @Test
    void eachJarGetsItsOwnClassLoader() {
        goodJar(plugins, "a.jar", "com.example.a", "a");
        goodJar(plugins, "b.jar", "com.example.b", "b");

        List<DiscoveredStrategy> found = new PluginLoader().load(List.of(plugins)).strategies();

        assertThat(found).extracting(DiscoveredStrategy::name).containsExactly("a", "b");
        assertThat(found.get(0).provider().getClass().getClassLoader())
                .isNotSameAs(found.get(1).provider().getClass().getClassLoader());
    }

    @Test
    void aPluginBundlingItsOwnGuiceUsesItsOwnCopy() throws ClassNotFoundException {
        // Guice is on our test class path; the plugin ships a class of the same name that real Guice lacks a
        // method of, so the description can only be computed with the plugin's own copy.
        String stub = """
                package com.google.inject;

                public final class Guice {
                    public static String origin() { return "the plugin's own Guice"; }
                }
                """;
        plugin().source("com.google.inject.Guice", stub)
                .source("com.example.bundled.Provider", provider("com.example.bundled", "bundled",
                        "com.google.inject.Guice.origin()", ""))
                .services("com.example.bundled.Provider")
                .writeTo(plugins.resolve("bundled.jar"));

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins));

        assertThat(result.warnings()).isEmpty();
        assertThat(result.strategies()).singleElement()
                .extracting(DiscoveredStrategy::description).isEqualTo("the plugin's own Guice");
        assertThat(Class.forName("com.google.inject.Guice").getMethods())
                .as("ours is the real Guice").noneMatch(m -> m.getName().equals("origin"));
    }

    @Test
    void aPluginSeesOnlyKimiApiAndTheJdk() {
        String probe = """
                java.util.stream.Stream.of("com.google.inject.Guice", "org.slf4j.Logger",
                        "io.github.kimirotator.strategies.health.HealthPolicy",
                        "io.github.kimirotator.strategies.builtin.StickyStrategy",
                        "io.github.kimirotator.api.Account", "java.net.http.HttpClient")
                    .map(n -> {
                        try {
                            Class.forName(n);
                            return n + "=visible";
                        } catch (ClassNotFoundException e) {
                            return n + "=hidden";
                        }
                    })
                    .collect(java.util.stream.Collectors.joining(" "))""";
        plugin().source("com.example.probe.Provider", provider("com.example.probe", "probe", probe, ""))
                .services("com.example.probe.Provider")
                .writeTo(plugins.resolve("probe.jar"));

        String seen = new PluginLoader().load(List.of(plugins)).strategies().get(0).description();

        assertThat(seen.split(" ")).containsExactly(
                "com.google.inject.Guice=hidden",
                "org.slf4j.Logger=hidden",
                "io.github.kimirotator.strategies.health.HealthPolicy=hidden",
                "io.github.kimirotator.strategies.builtin.StickyStrategy=hidden",
                "io.github.kimirotator.api.Account=visible",
                "java.net.http.HttpClient=visible");
    }

    @Test
    void aPluginDoesNotSeeOurServiceFiles() {
        goodJar(plugins, "only.jar", "com.example.only", "only");

        // Had the parent exposed our class path, the built-ins' service file would be found again through it.
        assertThat(new PluginLoader().load(List.of(plugins)).strategies())
                .extracting(DiscoveredStrategy::name).containsExactly("only");
    }

    @Test
    void theSpiTypesAreShared() {
        goodJar(plugins, "a.jar", "com.example.a", "a");

        RotationStrategyProvider provider = new PluginLoader().load(List.of(plugins)).strategies().get(0).provider();

        assertThat(provider).isInstanceOf(RotationStrategyProvider.class);
    }

    @Test
    void brokenJarsAreSkippedWithOneWarningEachAndTheRestLoad() throws IOException {
        goodJar(plugins, "good.jar", "com.example.good", "good");
        Path missingClass = plugin().services("com.example.Missing").writeTo(plugins.resolve("missing-class.jar"));
        Path throwing = plugin()
                .source("com.example.boom.Provider", provider("com.example.boom", "boom", "\"\"",
                        "throw new IllegalStateException(\"no config found\");"))
                .services("com.example.boom.Provider")
                .writeTo(plugins.resolve("throws.jar"));
        Path future = plugin()
                .source("com.example.future.Provider", provider("com.example.future", "future", "\"\"", ""))
                .services("com.example.future.Provider")
                .classFileMajorVersion("com.example.future.Provider", 99)
                .writeTo(plugins.resolve("future.jar"));
        Path notZip = Files.writeString(plugins.resolve("not-a-zip.jar"), "this is not a zip file");
        Path noService = plugin().resource("readme.txt", "hello").writeTo(plugins.resolve("no-service.jar"));
        Path emptyService = plugin().services("# nothing yet").writeTo(plugins.resolve("empty-service.jar"));
        Path badName = plugin()
                .source("com.example.bad.Provider", provider("com.example.bad", "Bad Name", "\"\"", ""))
                .services("com.example.bad.Provider")
                .writeTo(plugins.resolve("bad-name.jar"));
        Path notAProvider = plugin()
                .source("com.example.other.Thing", "package com.example.other; public class Thing {}")
                .services("com.example.other.Thing")
                .writeTo(plugins.resolve("not-a-provider.jar"));

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins));

        assertThat(result.strategies()).extracting(DiscoveredStrategy::name).containsExactly("good");
        assertThat(result.warnings()).hasSize(8).allSatisfy(w -> assertThat(w).doesNotContain("\n"));
        assertThat(warningFor(result, badName)).contains("invalid name 'Bad Name'");
        assertThat(warningFor(result, future)).contains("UnsupportedClassVersionError", "99");
        assertThat(warningFor(result, missingClass)).contains("com.example.Missing");
        assertThat(warningFor(result, noService)).contains("has no META-INF/services");
        assertThat(warningFor(result, emptyService)).contains("lists no provider");
        assertThat(warningFor(result, notZip)).contains("not a readable jar");
        assertThat(warningFor(result, notAProvider)).contains("com.example.other.Thing");
        assertThat(warningFor(result, throwing)).contains("no config found");
    }

    @Test
    void missingDirectoriesAndOtherFilesAreIgnored() throws IOException {
        Files.writeString(plugins.resolve("notes.txt"), "not a jar");
        goodJar(plugins, "a.jar", "com.example.a", "a");

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins.resolve("absent"), plugins));

        assertThat(result.warnings()).isEmpty();
        assertThat(result.strategies()).extracting(DiscoveredStrategy::name).containsExactly("a");
    }

    @Test
    void aDirectoryGivenTwiceIsReadOnce() {
        goodJar(plugins, "a.jar", "com.example.a", "a");

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins, plugins.resolve("x/..")));

        assertThat(result.strategies()).extracting(DiscoveredStrategy::name).containsExactly("a");
    }

    private static String warningFor(PluginLoader.Result result, Path jar) {
        return result.warnings().stream().filter(w -> w.startsWith("plugin " + jar + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no warning names " + jar + ": " + result.warnings()));
    }
}
