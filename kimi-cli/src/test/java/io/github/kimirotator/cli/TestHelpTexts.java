package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every help text and every usage error, byte for byte, against {@code cli-texts.txt} (recorded from the
 * annotation-built model before the commands declared their model in code; a deliberate change of a text
 * changes that file too).
 */
class TestHelpTexts {
    /** Commands that need a parameter: without one they stop at parsing, before running. */
    static final List<String> NEED_A_PARAMETER = List.of("add-key", "remove-key", "use-key", "set-strategy",
            "set-auto-refresh", "set-cooldown", "clear-limits", "import-keys", "run", "config");

    @TempDir
    Path home;

    @Test
    void helpAndUsageErrorsReadAsRecorded() throws IOException {
        assertThat(transcript()).isEqualTo(recorded("cli-texts.txt", transcript()));
    }

    /** The model itself: every command's parameters and options, with what decides how they parse. */
    @Test
    void everyCommandsModelIsAsRecorded() throws IOException {
        StringBuilder text = new StringBuilder();
        describe(KimiRotatorCli.commandLine(new String[0], new CliRunner(home).environment()), text);
        assertThat(text.toString()).isEqualTo(recorded("cli-model.txt", text.toString()));
    }

    private static void describe(CommandLine commandLine, StringBuilder text) {
        CommandSpec spec = commandLine.getCommandSpec();
        text.append(spec.qualifiedName()).append(": sortOptions=").append(spec.usageMessage().sortOptions())
                .append(" stopAtPositional=").append(spec.parser().stopAtPositional())
                .append(" subcommands=").append(spec.subcommands().keySet()).append('\n');
        for (ArgSpec arg : spec.args()) {
            // A flag's label is never shown (picocli makes one from the field's name).
            text.append("  ").append(arg.isOption() ? String.join(",", ((OptionSpec) arg).names()) : "index=" + ((PositionalParamSpec) arg).index())
                    .append(arg.isOption() && arg.arity().max() == 0 ? "" : " label=" + arg.paramLabel())
                    .append(" arity=").append(arg.arity()).append(" type=").append(arg.type().getName())
                    .append(" required=").append(arg.required()).append(" hidden=").append(arg.hidden())
                    .append(" scope=").append(arg.scopeType()).append(" inherited=").append(arg.inherited())
                    .append(" default=").append(arg.defaultValue()).append(" initial=").append(arg.initialValue());
            if (arg.isOption()) {
                OptionSpec option = (OptionSpec) arg;
                text.append(" usageHelp=").append(option.usageHelp()).append(" versionHelp=").append(option.versionHelp());
            }
            text.append('\n');
        }
        for (CommandLine sub : spec.subcommands().values()) {
            if (sub.getCommandSpec().parent() == spec) {
                describe(sub, text);
            }
        }
    }

    /** What every case prints: the command line, the exit code, stdout and stderr. */
    String transcript() {
        List<List<String>> cases = new ArrayList<>();
        cases.add(List.of());
        cases.add(List.of("--help"));
        cases.add(List.of("-h"));
        cases.add(List.of("--version"));
        cases.add(List.of("-V"));
        cases.add(List.of("help"));
        cases.add(List.of("help", "add-key"));
        cases.add(List.of("help", "no-such-command"));
        cases.add(List.of("lst-keys"));
        cases.add(List.of("--no-such-option"));
        cases.add(List.of("--config"));
        cases.add(List.of("list-keys", "--config"));
        cases.add(List.of("list-keys", "--state"));
        cases.add(List.of("list-keys", "--state-prefix"));
        for (String name : TestHelpAndMessages.commandNames()) {
            cases.add(List.of(name, "--help"));
            cases.add(List.of(name, "-h"));
            cases.add(List.of(name, "--no-such-option"));
            if (NEED_A_PARAMETER.contains(name)) {
                cases.add(List.of(name));
            }
            if (!"run".equals(name)) {
                cases.add(List.of(name, "x1", "x2", "x3"));
            }
        }
        for (String sub : List.of("install", "uninstall")) {
            cases.add(List.of("service", sub, "--help"));
            cases.add(List.of("service", sub, "--no-such-option"));
            cases.add(List.of("service", sub, "x1"));
        }
        for (List<String> needsValue : List.of(List.of("serve", "--port"), List.of("serve", "--host"),
                List.of("serve", "--upstream"), List.of("run", "--max-wait"), List.of("start", "--idle-timeout"),
                List.of("export-keys", "--format"), List.of("config", "--url"), List.of("watch", "--url"))) {
            cases.add(needsValue);
        }
        cases.add(List.of("run", "--no-such-option", "claude"));
        cases.add(List.of("run"));
        cases.add(List.of("add-key", "--json"));

        CliRunner cli = new CliRunner(home);
        StringBuilder text = new StringBuilder();
        for (List<String> args : cases) {
            CliRunner.Result r = cli.run(args.toArray(new String[0]));
            text.append("$ kimi-rotator ").append(String.join(" ", args)).append("\nexit ").append(r.exitCode())
                    .append("\n--- stdout\n").append(r.out()).append("--- stderr\n").append(r.err()).append("\n");
        }
        return text.toString();
    }

    /**
     * The recorded text {@code name}; with {@code -Drecord.texts=true} (after a deliberate change of a text) it is
     * first recorded anew as {@code actual}, into the source tree: review the difference before committing it.
     */
    private static String recorded(String name, String actual) throws IOException {
        if (Boolean.getBoolean("record.texts")) {
            java.nio.file.Files.writeString(Path.of("src/test/resources/io/github/kimirotator/cli", name), actual);
            return actual;
        }
        try (InputStream in = TestHelpTexts.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
