package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Base of every command: declares its parameters and options ({@link #model}), gets the {@link CliContext}
 * before it runs, reads what was given ({@link #value}), returns the exit code.
 */
public abstract class CliCommand implements Callable<Integer> {
    private CliContext context;
    private CommandSpec spec;

    /**
     * This command's name, help texts, parameters and options: {@link #command} and what the command adds to it.
     */
    protected abstract CommandModel model();

    /** The model of this command, with {@code -h}/{@code --help}. */
    protected final CommandModel command(String name, String... description) {
        return CommandModel.of(this, name, description).helpOption("Show this help and exit.");
    }

    /** This command's picocli model, bound to this object, which runs in {@code context}. */
    final CommandSpec spec(CliContext context) {
        this.context = context;
        spec = model().spec();
        return spec;
    }

    /** The model of {@code subcommand}, which runs in this command's context. */
    protected final CommandSpec subcommand(CliCommand subcommand) {
        return subcommand.spec(context);
    }

    /**
     * The value of the option {@code name} (e.g. {@code --force}) or of the parameter labelled {@code name} (e.g.
     * {@code KEY}) as parsed, else its initial value: a String, a boolean for a flag, or the type the model names.
     */
    public final <T> T value(String name) {
        ArgSpec arg = name.startsWith("-") ? spec.findOption(name) : null;
        if (arg == null) {
            for (ArgSpec parameter : spec.positionalParameters()) {
                if (parameter.paramLabel().equals(name)) {
                    arg = parameter;
                }
            }
        }
        if (arg == null) {
            throw new IllegalArgumentException(spec.name() + " has no option or parameter " + name);
        }
        return arg.getValue();
    }

    /** Whether the option {@code name} was given on the command line (not only its initial value). */
    public final boolean given(String name) {
        CommandLine.ParseResult result = spec.commandLine() == null ? null : spec.commandLine().getParseResult();
        return result != null && result.hasMatchedOption(name);
    }

    protected CliContext context() {
        return context;
    }

    @Override
    public final Integer call() throws Exception {
        String url = context.stateUrl();
        if (url != null && !url.startsWith("redis://") && !url.startsWith("rediss://")) {
            String from = context.options().state() != null ? "--state" : GlobalOptions.STATE_VARIABLE;
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid " + from + " '"
                    + url.replaceAll("//[^@/]*@", "//***@") + "': expected redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB]");
        }
        if (context.options().statePrefix() != null && context.options().statePrefix().isEmpty()) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid --state-prefix '': give a non-empty prefix");
        }
        return run();
    }

    /** Runs the command; returns the exit code (0 when done). Errors are thrown as KimiException. */
    protected abstract int run() throws Exception;
}
