package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.kimirotator.cli.commands.ListKeysCommand;
import io.github.kimirotator.cli.commands.SetStrategyCommand;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class TestCommandSelection {

    @Test
    void aKnownCommandIsRegisteredAlone() {
        assertThat(KimiRotatorCli.commandsFor(new String[] {"list-keys"})).containsExactly(entry("list-keys", ListKeysCommand.class));
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--config", "set-strategy", "--json", "list-keys"}))
                .containsExactly(entry("list-keys", ListKeysCommand.class));
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--verbose", "set-strategy", "sticky"}))
                .containsExactly(entry("set-strategy", SetStrategyCommand.class));
    }

    @Test
    void helpUnknownOrNoCommandRegistersAll() {
        assertThat(KimiRotatorCli.commandsFor(new String[] {})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--help"})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"help", "add-key"})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"lst-keys"})).isEqualTo(KimiRotatorCli.COMMANDS);
    }

    @Test
    void eachCommandIsRegisteredUnderTheNameItsHelpShows() {
        for (Map.Entry<String, Class<?>> command : KimiRotatorCli.COMMANDS.entrySet()) {
            assertThat(command.getValue().getAnnotation(Command.class).name()).isEqualTo(command.getKey());
        }
    }
}
