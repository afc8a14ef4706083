package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/** Help on every command, the overview without arguments, the program's own name, and how errors read. */
class TestHelpAndMessages {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";

    /** The environment variables each command reads, which its help must name. */
    static final Map<String, List<String>> VARIABLES = Map.of(
            "serve", List.of("KIMI_ROTATOR_UPSTREAM", "KIMI_ROTATOR_LOG_LEVEL"),
            "export-keys", List.of("KIMI_ROTATOR_PASSWORD"),
            "import-keys", List.of("KIMI_ROTATOR_PASSWORD"),
            "list-keys", List.of("NO_COLOR"),
            "start", List.of("KIMI_ROTATOR_UPSTREAM"),
            "run", List.of("KIMI_ROTATOR_UPSTREAM", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY",
                    "OPENCODE_CONFIG_CONTENT"));

    /** The help option reads the same in the overview and in every command's help. */
    static final String HELP_OPTION = "-h, --help +Show this help and exit\\.\n";

    @TempDir
    Path home;

    static List<String> commandNames() {
        return KimiRotatorCli.COMMANDS.keySet().stream().filter(name -> !"help".equals(name)).toList();
    }

    @Test
    void everyCommandTakesHelpAndDescribesWhatItReads() throws Exception {
        CliRunner cli = new CliRunner(home);
        for (String name : commandNames()) {
            for (String flag : new String[] {"--help", "-h"}) {
                CliRunner.Result r = cli.run(name, flag);
                assertThat(r.exitCode()).as(name + " " + flag + ": " + r.err()).isZero();
                assertThat(r.err()).as(name).isEmpty();
                assertThat(r.out()).as(name).startsWith("Usage: kimi-rotator " + name).containsPattern(HELP_OPTION)
                        .contains("--config=FILE").contains("KIMI_ROTATOR_CONFIG");
                VARIABLES.getOrDefault(name, List.of()).forEach(v -> assertThat(r.out()).as(name).contains(v));
                String[] environment = r.out().split("\nEnvironment:\n", 2);
                if (environment.length == 2) {
                    // picocli wraps a footer line longer than its 80 columns at column 0.
                    assertThat(environment[1].lines().filter(line -> !line.isEmpty()))
                            .as(name + ": the Environment lines fit in 80 columns").allMatch(line -> line.startsWith("  "));
                }
            }
        }
        CliRunner.Result install = cli.run("service", "install", "--help");
        assertThat(install.out()).as("service install: what it takes from the environment into the service")
                .containsPattern("\nEnvironment:\n  KIMI_ROTATOR_UPSTREAM .*\n  KIMI_ROTATOR_STATE ");
        assertThat(cli.fileBytes()).isNull();
    }

    @Test
    void everyParameterAndOptionHasADescription() {
        assertDescribed(KimiRotatorCli.commandLine(new String[0], new CliRunner(home).environment()).getCommandSpec());
    }

    private static void assertDescribed(CommandLine.Model.CommandSpec spec) {
        for (ArgSpec arg : spec.args()) {
            String label = spec.qualifiedName() + " " + (arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : arg.paramLabel());
            assertThat(String.join(" ", arg.description())).as(label).isNotBlank();
        }
        for (CommandLine sub : spec.subcommands().values()) {
            assertDescribed(sub.getCommandSpec());
        }
    }

    @Test
    void noArgumentsPrintsTheOverview() {
        CliRunner.Result r = new CliRunner(home).run();
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: kimi-rotator").contains("Commands:").contains("Environment:")
                .contains("KIMI_ROTATOR_PASSWORD").contains("KIMI_ROTATOR_UPSTREAM").contains("JAVA_HOME")
                .contains("Run 'kimi-rotator COMMAND --help'").containsPattern(HELP_OPTION);
        commandNames().forEach(name -> assertThat(r.out()).contains("  " + name + " "));
    }

    @Test
    void theSeedsCommandNameIsUsedInUsageAndErrors() {
        CliRunner cli = new CliRunner(home).variable(CliContext.PROGRAM_NAME_VARIABLE, "opencode-kimi");
        assertThat(cli.run().out()).startsWith("Usage: opencode-kimi").contains("Run 'opencode-kimi COMMAND --help'");
        assertThat(cli.run("add-key", "--help").out()).startsWith("Usage: opencode-kimi add-key");
        CliRunner.Result missing = cli.run("add-key");
        assertThat(missing.err()).isEqualTo("error: missing KEY (see 'opencode-kimi add-key --help')\n");
        assertThat(cli.run("list-keys").out()).contains("opencode-kimi add-key").doesNotContain("kimi-rotator");
        assertThat(cli.run("rotate").err()).contains("'opencode-kimi add-key KEY'").doesNotContain("kimi-rotator");
    }

    @Test
    void usageErrorsReadTheSameWay() throws Exception {
        CliRunner cli = new CliRunner(home);
        Path directory = Files.createDirectories(home.resolve("a-directory"));
        String[][] lines = {
            {"add-key"},
            {"set-cooldown"},
            {"use-key"},
            {"config"},
            {"--config"},
            {"serve", "--port"},
            {"help", "no-such-command"},
            {"no-such-command"},
            {"list-keys", "extra"},
            {"list-keys", "--no-such-option"},
            {"--config", directory.toString(), "list-keys"},
            {"--config", directory.toString(), "add-key", KEY_A},
            {"import-keys", directory.toString()},
        };
        for (String[] line : lines) {
            CliRunner.Result r = cli.run(line);
            String what = String.join(" ", line);
            assertThat(r.exitCode()).as(what).isIn(1, 2);
            assertThat(r.err()).as(what).matches("error: [a-z][^\n]*\n")
                    .doesNotContain("Missing").doesNotContain("Unknown").doesNotContain("Is a directory")
                    .doesNotContain("Exception");
        }
        assertThat(cli.run("set-cooldown").err()).isEqualTo("error: missing MINUTES (see 'kimi-rotator set-cooldown --help')\n");
        assertThat(cli.run("--config").err()).startsWith("error: option '--config' needs a value (FILE)");
        assertThat(cli.run("import-keys", directory.toString()).err())
                .isEqualTo("error: cannot read " + directory + ": is a directory\n");
    }

    @Test
    void fileErrorsReadTheSameWay() throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        Path missingFolder = home.resolve("no/such/folder/backup.enc");
        CliRunner.Result export = cli.runWithInput("a long password\n", "export-keys", missingFolder.toString(), "--password-stdin");
        assertThat(export.exitCode()).isEqualTo(1);
        assertThat(export.err()).isEqualTo("error: cannot write " + missingFolder + ": the folder " + missingFolder.getParent()
                + " does not exist\n");

        Files.writeString(cli.accountsFile(), "{\"version\": 1, \"accounts\": [");
        CliRunner.Result corrupt = cli.run("list-keys");
        assertThat(corrupt.exitCode()).isEqualTo(1);
        assertThat(corrupt.err()).startsWith("error: " + cli.accountsFile() + " is not valid JSON at line 1, column ")
                .contains(": unexpected end-of-input").doesNotContain("Unexpected");
    }

    @Test
    void errorLinesStartInLowerCase() {
        assertThat(KimiRotatorCli.errorLine("Unknown subcommand 'x'.")).isEqualTo("error: unknown subcommand 'x'");
        assertThat(KimiRotatorCli.errorLine("URL is bad")).isEqualTo("error: URL is bad");
        assertThat(KimiRotatorCli.errorLine("first line\nsecond")).isEqualTo("error: first line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"all", "ALL", "All", "aLl"})
    void clearLimitsAllInAnyCase(String all) throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        Files.writeString(cli.accountsFile(), Files.readString(cli.accountsFile())
                .replace("\"rateLimitResetTime\": 0", "\"rateLimitResetTime\": 9999999999999"));
        assertThat(cli.run("list-keys").out()).contains("Limited");
        CliRunner.Result r = cli.run("clear-limits", all);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Limits cleared for all 1 key\n");
        assertThat(cli.run("list-keys").out()).doesNotContain("Limited");
    }

    /** Every keyword argument is taken in any case, as clear-limits' 'all' is; a wrong one names the valid ones. */
    @ParameterizedTest
    @ValueSource(strings = {"TRUE", "True", " false "})
    void autoRefreshInAnyCase(String word) throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        CliRunner.Result r = cli.run("set-auto-refresh", word);
        assertThat(r.exitCode()).as(r.err()).isZero();
        boolean on = word.strip().equalsIgnoreCase("true");
        assertThat(r.out()).isEqualTo("Health auto-refresh: " + (on ? "enabled" : "disabled") + "\n");
        assertThat(Files.readString(cli.accountsFile())).contains("\"autoRefreshHealth\": " + on);
        CliRunner.Result wrong = cli.run("set-auto-refresh", "YES");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).isEqualTo("error: invalid auto-refresh setting 'YES': expected true or false\n");
    }

    @Test
    void configClientAndExportFormatInAnyCase() throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result claude = cli.run("config", "Claude-Code", "--url", "http://127.0.0.1:9999");
        assertThat(claude.exitCode()).as(claude.err()).isZero();
        assertThat(claude.out()).contains("export ANTHROPIC_BASE_URL=http://127.0.0.1:9999\n");
        assertThat(cli.run("config", "OPENCODE", "--url", "http://127.0.0.1:9999").out()).contains("\"baseURL\"");
        CliRunner.Result vim = cli.run("config", "VIM", "--url", "http://127.0.0.1:9999");
        assertThat(vim.exitCode()).isEqualTo(2);
        assertThat(vim.err()).isEqualTo("error: unknown client 'VIM'; valid: opencode, claude-code\n");

        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        Path backup = home.resolve("backup.enc");
        CliRunner.Result export = cli.runWithInput("a long password\n", "export-keys", backup.toString(),
                "--password-stdin", "--format", "SEED");
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(export.out()).endsWith("(format seed)\n");
        CliRunner.Result wrong = cli.runWithInput("a long password\n", "export-keys", home.resolve("other.enc").toString(),
                "--password-stdin", "--format", "V3");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).isEqualTo("error: unknown backup format 'V3': use v2 or seed\n");
    }

    @Test
    void clearLimitsAllWithoutKeysSaysThereAreNone() throws Exception {
        CliRunner cli = new CliRunner(home);
        CliRunner.Result r = cli.run("clear-limits", "all");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("There are no keys, so no limits to clear.");
        assertThat(cli.fileBytes()).isNull();
    }

    @Test
    void exportWithoutKeysIsAnErrorAndWritesNothing() {
        CliRunner cli = new CliRunner(home);
        Path backup = home.resolve("backup.enc");
        CliRunner.Result r = cli.runWithInput("a long password\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: no keys to export\n");
        assertThat(r.out()).isEmpty();
        assertThat(backup).doesNotExist();
    }
}
