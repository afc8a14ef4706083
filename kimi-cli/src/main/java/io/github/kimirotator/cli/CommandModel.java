package io.github.kimirotator.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command's picocli model (name, help texts, parameters, options), built in code. picocli could read it from
 * annotations, but Java's annotation reflection generates a proxy class per annotation type and parses generic
 * signatures, which no class-data-sharing archive keeps: about 30 ms of every run. The parsed values stay in
 * the model (picocli's own binding); a command reads them with {@link CliCommand#value}.
 */
public final class CommandModel {
    private static final String ENVIRONMENT_HEADING = "%nEnvironment:%n";

    private final CommandSpec spec;
    private int nextIndex;

    private CommandModel(CommandSpec spec) {
        this.spec = spec;
    }

    /** The model of {@code command} (run when picocli executes it), named {@code name}. */
    public static CommandModel of(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.name(name);
        spec.usageMessage().description(description);
        return new CommandModel(spec);
    }

    /** A footer under the heading "Environment:" (the variables the command reads). */
    public CommandModel environment(String... lines) {
        spec.usageMessage().footerHeading(ENVIRONMENT_HEADING).footer(lines);
        return this;
    }

    /** A parameter that must be given, one value. */
    public CommandModel parameter(String label, String description) {
        return parameter(label, "1", String.class, null, description);
    }

    /** A parameter that may be left out, one value. */
    public CommandModel optionalParameter(String label, String description) {
        return parameter(label, "0..1", String.class, null, description);
    }

    /**
     * The next parameter: {@code arity} as picocli writes it ({@code 1}, {@code 0..1}, {@code 1..*}, the last
     * taking every remaining argument as a {@code List<String>}), its value {@code initial} when not given.
     */
    public CommandModel parameter(String label, String arity, Class<?> type, Object initial, String description) {
        CommandLine.Range range = CommandLine.Range.valueOf(arity);
        PositionalParamSpec.Builder parameter = PositionalParamSpec.builder()
                .paramLabel(label)
                .arity(arity)
                .index(range.isVariable() ? nextIndex + "..*" : Integer.toString(nextIndex))
                .required(range.min() > 0)
                .type(type)
                .initialValue(initial)
                .description(description);
        if (type == List.class) {
            parameter.auxiliaryTypes(String.class);
        }
        spec.addPositional(parameter.build());
        nextIndex++;
        return this;
    }

    /** An option without a value: true when given. */
    public CommandModel flag(String name, String description) {
        return add(flagSpec(name, description));
    }

    /** A flag that help does not show. */
    public CommandModel hiddenFlag(String name, String description) {
        return add(flagSpec(name, description).hidden(true));
    }

    /** An option with one value, {@code initial} when not given. */
    public CommandModel option(String name, String label, String initial, String description) {
        return add(OptionSpec.builder(name).paramLabel(label).type(String.class).initialValue(initial).description(description));
    }

    /** {@code -h}/{@code --help}: prints the help and exits 0. */
    public CommandModel helpOption(String description) {
        return add(flagSpec("-h", description).names("-h", "--help").usageHelp(true));
    }

    /** {@code -V}/{@code --version}: prints the version and exits 0. */
    public CommandModel versionOption(String description, CommandLine.IVersionProvider version) {
        spec.versionProvider(version);
        return add(flagSpec("-V", description).names("-V", "--version").versionHelp(true));
    }

    public CommandModel add(OptionSpec.Builder option) {
        spec.addOption(option.build());
        return this;
    }

    /** Adds {@code subcommand} under its own name. */
    public CommandModel subcommand(CommandSpec subcommand) {
        spec.addSubcommand(subcommand.name(), new CommandLine(subcommand));
        return this;
    }

    public CommandSpec spec() {
        return spec;
    }

    private static OptionSpec.Builder flagSpec(String name, String description) {
        return OptionSpec.builder(name).arity("0").type(boolean.class).initialValue(false).description(description);
    }
}
