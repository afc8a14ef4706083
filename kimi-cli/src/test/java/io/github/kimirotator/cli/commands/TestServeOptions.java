package io.github.kimirotator.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.cli.commands.ServeOptions.Option;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestServeOptions {
    @Test
    void allArgsHoldEveryValueAndGivenArgsOnlyWhatWasGivenInTheOrderOfTheHelp() {
        Map<Option, String> values = new EnumMap<>(Option.class);
        for (Option option : Option.values()) {
            if (!option.isFlag() && option.initial != null) {
                values.put(option, option.initial);
            }
        }
        values.put(Option.PORT, "4000");
        values.put(Option.UPSTREAM, "http://127.0.0.1:9/v");
        values.put(Option.NO_AUTH, "true");
        values.put(Option.IDLE_TIMEOUT, "60");
        ServeOptions options = new ServeOptions(values, EnumSet.of(Option.IDLE_TIMEOUT, Option.NO_AUTH, Option.PORT, Option.UPSTREAM));

        assertThat(options.allArgs()).containsExactly("--host", "127.0.0.1", "--port", "4000", "--upstream", "http://127.0.0.1:9/v",
                "--no-auth", "--max-wait", "0", "--failover-timeout", "120", "--attempt-timeout", "0", "--idle-timeout", "60",
                "--max-body-mib", "32", "--max-buffered-mib", "256", "--max-in-flight-per-key", "0");
        assertThat(options.givenArgs()).containsExactly("--port", "4000", "--upstream", "http://127.0.0.1:9/v", "--no-auth",
                "--idle-timeout", "60");
        assertThat(options.noAuth()).isTrue();
    }

    @Test
    void aFlagNotGivenAndAnOptionWithoutValueAreLeftOut() {
        Map<Option, String> values = new EnumMap<>(Option.class);
        values.put(Option.HOST, "0.0.0.0");
        values.put(Option.PORT, "8787");
        ServeOptions options = new ServeOptions(values, Set.of(Option.HOST));

        assertThat(options.allArgs()).containsExactly("--host", "0.0.0.0", "--port", "8787");
        assertThat(options.givenArgs()).containsExactly("--host", "0.0.0.0");
        assertThat(options.noAuth()).isFalse();
        assertThat(new ServeOptions(values, Set.of()).givenArgs()).isEmpty();
    }
}
