package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.commands.AddKeyCommand;
import io.github.kimirotator.cli.commands.ClearLimitsCommand;
import io.github.kimirotator.cli.commands.ConfigCommand;
import io.github.kimirotator.cli.commands.ServeCommand;
import io.github.kimirotator.cli.commands.ExportKeysCommand;
import io.github.kimirotator.cli.commands.ImportKeysCommand;
import io.github.kimirotator.cli.commands.ListKeysCommand;
import io.github.kimirotator.cli.commands.RefreshHealthCommand;
import io.github.kimirotator.cli.commands.RemoveKeyCommand;
import io.github.kimirotator.cli.commands.RotateCommand;
import io.github.kimirotator.cli.commands.SetAutoRefreshCommand;
import io.github.kimirotator.cli.commands.SetCooldownCommand;
import io.github.kimirotator.cli.commands.SetStrategyCommand;
import io.github.kimirotator.cli.commands.StatsCommand;
import io.github.kimirotator.cli.commands.StrategiesCommand;
import io.github.kimirotator.cli.commands.UseKeyCommand;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code kimi-rotator} command: parses the command line, runs one command, maps errors to exit codes. */
@Command(name = "kimi-rotator",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = "Rotates several Kimi API keys as one: manages the keys and runs a local proxy.",
        subcommands = {
            AddKeyCommand.class,
            ListKeysCommand.class,
            RemoveKeyCommand.class,
            UseKeyCommand.class,
            RotateCommand.class,
            SetStrategyCommand.class,
            StrategiesCommand.class,
            StatsCommand.class,
            RefreshHealthCommand.class,
            SetAutoRefreshCommand.class,
            SetCooldownCommand.class,
            ClearLimitsCommand.class,
            ExportKeysCommand.class,
            ImportKeysCommand.class,
            ServeCommand.class,
            ConfigCommand.class,
            CommandLine.HelpCommand.class
        })
public final class KimiRotatorCli implements Callable<Integer> {

    @Mixin
    private final GlobalOptions globals = new GlobalOptions();

    private final Environment environment;

    private KimiRotatorCli(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        environment.err().println("error: missing command; run 'kimi-rotator --help' for the list");
        return ErrorCode.BAD_USAGE.exitCode();
    }

    public static void main(String[] args) {
        LoggingSetup.configure(System.getProperty("kimi.home"), java.util.Arrays.asList(args).contains("--verbose"));
        System.exit(run(args, Environment.system()));
    }

    /** Runs one command line in {@code environment}; returns the exit code. */
    public static int run(String[] args, Environment environment) {
        KimiRotatorCli root = new KimiRotatorCli(environment);
        CliContext context = new CliContext(environment, root.globals, List.of());
        CommandLine commandLine = new CommandLine(root, new CommandFactory(context));
        commandLine.setOut(new PrintWriter(environment.out(), true));
        commandLine.setErr(new PrintWriter(environment.err(), true));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((ex, ignoredArgs) -> {
            environment.err().println("error: " + firstLine(ex.getMessage()));
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, environment.err());
            return ErrorCode.BAD_USAGE.exitCode();
        });
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> handle(ex, context));
        return commandLine.execute(args);
    }

    private static int handle(Exception ex, CliContext context) {
        boolean verbose = context.options().verbose();
        if (ex instanceof KimiException kimi) {
            context.err().println("error: " + firstLine(kimi.getMessage()));
            if (verbose) {
                kimi.printStackTrace(context.err());
            }
            return kimi.exitCode();
        }
        context.err().println("error: " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage())
                + (verbose ? "" : " (run with --verbose for details)"));
        if (verbose) {
            ex.printStackTrace(context.err());
        }
        return ErrorCode.INTERNAL.exitCode();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    /** Creates command objects with the context they need. */
    private static final class CommandFactory implements CommandLine.IFactory {
        private final CliContext context;

        CommandFactory(CliContext context) {
            this.context = context;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (CliCommand.class.isAssignableFrom(cls)) {
                K command = CommandLine.defaultFactory().create(cls);
                ((CliCommand) command).init(context);
                return command;
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
