package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.kimirotator.cli.commands.ListKeysCommand;
import io.github.kimirotator.cli.commands.SetStrategyCommand;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
    void eachCommandIsRegisteredUnderTheNameItsHelpShows(@TempDir Path home) {
        Map<String, CommandLine> registered = KimiRotatorCli.commandLine(new String[0], new CliRunner(home).environment())
                .getSubcommands();
        assertThat(registered.keySet()).containsExactlyElementsOf(KimiRotatorCli.COMMANDS.keySet());
        for (Map.Entry<String, CommandLine> command : registered.entrySet()) {
            assertThat(command.getValue().getCommandSpec().name()).isEqualTo(command.getKey());
        }
    }
}
