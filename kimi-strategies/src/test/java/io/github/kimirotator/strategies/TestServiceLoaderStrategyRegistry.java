package io.github.kimirotator.strategies;

import static io.github.kimirotator.strategies.testing.PluginJars.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.strategies.builtin.HealthBasedStrategy;
import io.github.kimirotator.strategies.builtin.RoundRobinStrategy;
import io.github.kimirotator.strategies.builtin.SessionAffinityStrategy;
import io.github.kimirotator.strategies.builtin.StickyStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestServiceLoaderStrategyRegistry {
    @TempDir
    Path dir;

    static Path strategyJar(Path folder, String file, String pkg, String name, String createBody) {
        String provider = """
                package %s;

                import io.github.kimirotator.api.strategy.RotationStrategy;
                import io.github.kimirotator.api.strategy.RotationStrategyProvider;

                public class Provider implements RotationStrategyProvider {
                    public String name() { return "%s"; }
                    public String description() { return "from %s"; }
                    public RotationStrategy create() { %s }
                }
                """.formatted(pkg, name, file, createBody);
        return plugin().source(pkg + ".Provider", provider).services(pkg + ".Provider").writeTo(folder.resolve(file));
    }

    static Consumer<KimiException> code(ErrorCode code) {
        return e -> assertThat(e.code()).isEqualTo(code);
    }

    @Test
    void findsTheBuiltInsThroughTheirServiceFile() {
        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of());

        assertThat(registry.list()).extracting(StrategyInfo::name)
                .containsExactly("health-based", "round-robin", "session-affinity", "sticky");
        assertThat(registry.list()).allSatisfy(info -> {
            assertThat(info.source()).isEqualTo("built-in");
            assertThat(info.description()).isNotBlank().doesNotContain("\n");
        });
        assertThat(registry.names()).containsExactly("health-based", "round-robin", "session-affinity", "sticky");
        assertThat(registry.names()).as("the names known without loading").isEqualTo(ServiceLoaderStrategyRegistry.BUILT_IN_NAMES);
        assertThat(registry.warnings()).isEmpty();
        assertThat(registry.create("round-robin")).isInstanceOf(RoundRobinStrategy.class);
        assertThat(registry.create("sticky")).isInstanceOf(StickyStrategy.class);
        assertThat(registry.create("health-based")).isInstanceOf(HealthBasedStrategy.class);
        assertThat(registry.create("session-affinity")).isInstanceOf(SessionAffinityStrategy.class);
    }

    @Test
    void createGivesANewInstanceEachTime() {
        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of());

        assertThat(registry.create("round-robin")).isNotSameAs(registry.create("round-robin"));
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of());

        assertThatThrownBy(() -> registry.create("fastest"))
                .isInstanceOfSatisfying(KimiException.class, code(ErrorCode.UNKNOWN_STRATEGY))
                .hasMessage("unknown strategy 'fastest'; valid: health-based, round-robin, session-affinity, sticky");
    }

    @Test
    void pluginsFromEveryDirectoryAreListedWithTheirJar() throws IOException {
        Path dist = Files.createDirectories(dir.resolve("dist/plugins"));
        Path user = Files.createDirectories(dir.resolve("config/kimi-rotator/plugins"));
        Path a = strategyJar(dist, "first.jar", "com.example.first", "first-key", "return r -> r.candidates().get(0);");
        Path b = strategyJar(user, "mine.jar", "com.example.mine", "mine", "return r -> r.candidates().get(0);");

        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of(dist, user));

        assertThat(registry.list()).contains(
                new StrategyInfo("first-key", "from first.jar", a.toString()),
                new StrategyInfo("mine", "from mine.jar", b.toString()));
        assertThat(registry.names()).containsExactly("first-key", "health-based", "mine", "round-robin",
                "session-affinity", "sticky");
        RotationStrategy strategy = registry.create("mine");
        assertThat(strategy.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
    }

    @Test
    void twoPluginsWithOneNameNameBothJars() {
        Path a = strategyJar(dir, "a.jar", "com.example.a", "same", "return null;");
        Path b = strategyJar(dir, "b.jar", "com.example.b", "same", "return null;");

        assertThatThrownBy(() -> new ServiceLoaderStrategyRegistry(List.of(dir)))
                .isInstanceOfSatisfying(KimiException.class, code(ErrorCode.PLUGIN_ERROR))
                .hasMessageContaining("'same'").hasMessageContaining(a.toString()).hasMessageContaining(b.toString());
    }

    @Test
    void aPluginCannotTakeABuiltInName() {
        Path jar = strategyJar(dir, "sticky.jar", "com.example.sticky", "sticky", "return null;");

        assertThatThrownBy(() -> new ServiceLoaderStrategyRegistry(List.of(dir)))
                .isInstanceOfSatisfying(KimiException.class, code(ErrorCode.PLUGIN_ERROR))
                .hasMessage("two strategies are named 'sticky': one from built-in, one from " + jar
                        + "; remove one of them");
    }

    @Test
    void aBrokenJarIsAWarningAndTheRestStillLoad() throws IOException {
        strategyJar(dir, "good.jar", "com.example.good", "good", "return r -> r.candidates().get(0);");
        Path broken = Files.writeString(dir.resolve("broken.jar"), "not a zip");

        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of(dir));

        assertThat(registry.names()).contains("good");
        assertThat(registry.warnings()).singleElement().asString().startsWith("plugin " + broken + " was not loaded: ");
    }

    @Test
    void aStrategyThatCannotBeCreatedIsAPluginError() {
        Path jar = strategyJar(dir, "fails.jar", "com.example.fails", "fails",
                "throw new IllegalStateException(\"missing setting\");");
        Path nothing = strategyJar(dir, "nothing.jar", "com.example.nothing", "nothing", "return null;");
        ServiceLoaderStrategyRegistry registry = new ServiceLoaderStrategyRegistry(List.of(dir));

        assertThatThrownBy(() -> registry.create("fails"))
                .isInstanceOfSatisfying(KimiException.class, code(ErrorCode.PLUGIN_ERROR))
                .hasMessageContaining(jar.toString()).hasMessageContaining("missing setting");
        assertThatThrownBy(() -> registry.create("nothing"))
                .isInstanceOfSatisfying(KimiException.class, code(ErrorCode.PLUGIN_ERROR))
                .hasMessage("strategy 'nothing' from " + nothing + " created nothing");
    }
}
