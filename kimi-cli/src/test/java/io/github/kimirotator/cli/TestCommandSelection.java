package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.cli.commands.ListKeysCommand;
import io.github.kimirotator.cli.commands.SetStrategyCommand;
import org.junit.jupiter.api.Test;

class TestCommandSelection {

    @Test
    void aKnownCommandIsRegisteredAlone() {
        assertThat(KimiRotatorCli.commandsFor(new String[] {"list-keys"})).containsExactly(ListKeysCommand.class);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--config", "set-strategy", "--json", "list-keys"}))
                .containsExactly(ListKeysCommand.class);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--verbose", "set-strategy", "sticky"}))
                .containsExactly(SetStrategyCommand.class);
    }

    @Test
    void helpUnknownOrNoCommandRegistersAll() {
        assertThat(KimiRotatorCli.commandsFor(new String[] {})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"--help"})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"help", "add-key"})).isEqualTo(KimiRotatorCli.COMMANDS);
        assertThat(KimiRotatorCli.commandsFor(new String[] {"lst-keys"})).isEqualTo(KimiRotatorCli.COMMANDS);
    }
}
