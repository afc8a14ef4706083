package io.github.kimirotator.examples.leastused;

import static io.github.kimirotator.strategies.testing.TestKey.key;
import static io.github.kimirotator.strategies.testing.TestKey.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.plugin.DiscoveredStrategy;
import io.github.kimirotator.strategies.plugin.PluginLoader;
import io.github.kimirotator.strategies.testing.PluginJars;
import io.github.kimirotator.strategies.testing.PoolActions;
import io.github.kimirotator.strategies.testing.PoolModel;
import io.github.kimirotator.strategies.testing.StrategyCheck;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.ActionChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestLeastUsedStrategy {

    /** The strategy's promise: the fewest requests today, the lowest index on a tie. */
    static final StrategyCheck FEWEST_REQUESTS_TODAY = (SelectionRequest request, KeyView chosen) -> {
        KeyView expected = request.candidates().stream()
                .min(Comparator.comparingLong(KeyView::requestsToday).thenComparingInt(KeyView::index))
                .orElseThrow();
        assertThat(chosen.index()).as("fewest requests today").isEqualTo(expected.index());
    };

    @Test
    void picksTheCandidateWithTheFewestRequestsToday() {
        LeastUsedStrategy s = new LeastUsedStrategy();

        assertThat(s.choose(request(0, key(0).requestsToday(9), key(2).requestsToday(3), key(4).requestsToday(5)))
                .index()).isEqualTo(2);
        assertThat(s.choose(request(0, key(1).requestsToday(3), key(2).requestsToday(3))).index())
                .as("a tie goes to the lowest index").isEqualTo(1);
    }

    @Test
    void theProviderNamesAndCreatesIt() {
        LeastUsedStrategyProvider provider = new LeastUsedStrategyProvider();

        assertThat(provider.name()).isEqualTo("least-used");
        assertThat(provider.description()).isNotBlank().doesNotContain("\n");
        assertThat(provider.create()).isInstanceOf(LeastUsedStrategy.class);
    }

    /** The jar as users get it, loaded the way kimi-rotator loads plugins: seeing nothing but kimi-api. */
    @Test
    void loadsAsAPluginJar(@TempDir Path plugins) throws IOException, URISyntaxException {
        Path classes = Path.of(LeastUsedStrategy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = PluginJars.jarDirectory(classes, plugins.resolve("least-used-strategy.jar"));

        PluginLoader.Result result = new PluginLoader().load(List.of(plugins));

        assertThat(result.warnings()).isEmpty();
        DiscoveredStrategy found = result.strategies().get(0);
        assertThat(found.name()).isEqualTo("least-used");
        assertThat(found.source()).isEqualTo(jar.toString());
        assertThat(found.provider().getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
        assertThat(found.provider().create().choose(request(0, key(0).requestsToday(2), key(1))).index())
                .isEqualTo(1);
    }

    @Property(tries = 300)
    void holdsOverRandomHistoriesOfThePool(@ForAll("chains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> chains() {
        // On this module's test class path the strategy is found like a built-in; the selector treats both alike.
        return PoolActions.chains(LeastUsedStrategy.NAME, () -> new ServiceLoaderStrategyRegistry(List.of()),
                () -> FEWEST_REQUESTS_TODAY);
    }
}
