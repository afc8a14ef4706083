package io.github.kimirotator.cli;

import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.commands.AddKeyCommand;
import io.github.kimirotator.cli.commands.ClearLimitsCommand;
import io.github.kimirotator.cli.commands.ConfigCommand;
import io.github.kimirotator.cli.commands.RunCommand;
import io.github.kimirotator.cli.commands.ServeCommand;
import io.github.kimirotator.cli.commands.ServiceCommand;
import io.github.kimirotator.cli.commands.StartCommand;
import io.github.kimirotator.cli.commands.StatusCommand;
import io.github.kimirotator.cli.commands.StopCommand;
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
import io.github.kimirotator.cli.commands.WatchCommand;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code kimi-rotator} command: parses the command line, runs one command, maps errors to exit codes. */
public final class KimiRotatorCli implements Callable<Integer> {
    /**
     * Every command by name, in the order --help lists them. Looked up by name so that a run loads and
     * inspects only the command it runs (reading a command's annotations costs start-up time).
     */
    static final Map<String, Class<?>> COMMANDS = commands(
            "add-key", AddKeyCommand.class,
            "list-keys", ListKeysCommand.class,
            "remove-key", RemoveKeyCommand.class,
            "use-key", UseKeyCommand.class,
            "rotate", RotateCommand.class,
            "set-strategy", SetStrategyCommand.class,
            "strategies", StrategiesCommand.class,
            "stats", StatsCommand.class,
            "refresh-health", RefreshHealthCommand.class,
            "set-auto-refresh", SetAutoRefreshCommand.class,
            "set-cooldown", SetCooldownCommand.class,
            "clear-limits", ClearLimitsCommand.class,
            "export-keys", ExportKeysCommand.class,
            "import-keys", ImportKeysCommand.class,
            "serve", ServeCommand.class,
            "run", RunCommand.class,
            "start", StartCommand.class,
            "stop", StopCommand.class,
            "status", StatusCommand.class,
            "service", ServiceCommand.class,
            "watch", WatchCommand.class,
            "config", ConfigCommand.class,
            "help", CommandLine.HelpCommand.class);

    /** Global options that take a value, skipped when looking for the command name. */
    private static final Set<String> OPTIONS_WITH_VALUE = Set.of("--config", "--state", "--state-prefix");

    private final GlobalOptions globals = new GlobalOptions();
    private final CommandSpec spec;

    private KimiRotatorCli() {
        CommandModel model = CommandModel.of(this, "kimi-rotator",
                        "Rotates several Kimi API keys as one: manages the keys and runs a local proxy.")
                .environment(
                        "  KIMI_ROTATOR_CONFIG     the accounts file when --config is not given",
                        "  KIMI_ROTATOR_PASSWORD   export-keys, import-keys: the backup password,",
                        "                          when there is no console and no --password-stdin",
                        "  KIMI_ROTATOR_UPSTREAM   serve: the upstream API when --upstream is not given",
                        "  KIMI_ROTATOR_LOG_LEVEL  serve: the log level (e.g. debug)",
                        "  KIMI_ROTATOR_STATE      shared key state on Redis when --state is not given",
                        "  KIMI_ROTATOR_REDIS_PASSWORD  the Redis password when the URL holds none",
                        "  KIMI_ROTATOR_REDIS_CA   rediss://: PEM file of the authorities to trust",
                        "  KIMI_ROTATOR_STATE_SECRET    team secret of the key fingerprints in Redis",
                        "  NO_COLOR                no colour, even on a terminal",
                        "  JAVA_HOME               the Java 17+ to run (else java on the PATH)",
                        "  JAVA_OPTS               options for the JVM",
                        "  KIMI_ROTATOR_OPTS       more options for the JVM",
                        "  KIMI_ROTATOR_NO_CDS=1   no class-data sharing archive",
                        "",
                        "Run '${ROOT-COMMAND-NAME} COMMAND --help' for the parameters of a command.");
        spec = model.spec();
        spec.usageMessage().sortOptions(false).commandListHeading("%nCommands:%n");
        globals.addTo(model);
        model.helpOption("Show this help and exit.")
                .versionOption("Print version information and exit.", new VersionProvider());
    }

    /** No command: the overview, as the seed prints it. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    public static void main(String[] args) {
        configureJvm(args);
        int code = run(args, Environment.system());
        // From Java 21, System.exit looks for a System.Logger backend to log the exit: a service lookup that opens
        // every jar of lib/ (~35 ms). Returning from main ends the JVM the same way when no other thread runs.
        if (code != 0 || otherThreadsRun()) {
            System.exit(code);
        }
    }

    /** Whether a thread other than this one would keep the JVM alive after main returns. */
    private static boolean otherThreadsRun() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int count = root.enumerate(threads, true);
        for (int i = 0; i < count; i++) {
            if (threads[i] != Thread.currentThread() && !threads[i].isDaemon() && threads[i].isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Process-wide settings, before anything else runs (also for {@link ArchiveTraining}). */
    static void configureJvm(String[] args) {
        // Guice's defaults record a stack trace per binding and may generate bytecode: both cost start-up
        // time and buy nothing here (no AOP, explicit bindings).
        System.setProperty("guice_include_stack_traces", System.getProperty("guice_include_stack_traces", "OFF"));
        System.setProperty("guice_bytecode_gen_option", System.getProperty("guice_bytecode_gen_option", "DISABLED"));
        // picocli's factory looks for Groovy's Closure class unless told not to; on our class path that miss
        // opens every jar of lib/ (about 35 ms of start-up).
        System.setProperty("picocli.disable.closures", System.getProperty("picocli.disable.closures", "true"));
        // picocli registers converters for java.sql and java.time types through reflection on every command line;
        // no option of ours has such a type (about 5 ms of start-up).
        System.setProperty("picocli.converters.excludes",
                System.getProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*"));
        LoggingSetup.configure(System.getProperty("kimi.home"), java.util.Arrays.asList(args).contains("--verbose"));
    }

    /** Runs one command line in {@code environment}; returns the exit code. */
    public static int run(String[] args, Environment environment) {
        return commandLine(args, environment).execute(args);
    }

    /** The command line that runs {@code args}: the root command with the commands {@code args} may run. */
    static CommandLine commandLine(String[] args, Environment environment) {
        KimiRotatorCli root = new KimiRotatorCli();
        CliContext context = new CliContext(environment, root.globals, List.of());
        CommandLine commandLine = new CommandLine(root.spec);
        commandLine.setCommandName(context.programName());
        // A known command alone is all a run needs: the others are not even made.
        for (Map.Entry<String, Class<?>> command : commandsFor(args).entrySet()) {
            CommandLine sub = new CommandLine(command(command.getValue(), context));
            // run's COMMAND takes every argument after it as its own (run claude -p hi).
            sub.setStopAtPositional(command.getValue() == RunCommand.class);
            commandLine.addSubcommand(command.getKey(), sub);
        }
        commandLine.setOut(new PrintWriter(environment.out(), true));
        commandLine.setErr(new PrintWriter(environment.err(), true));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        // Handlers as classes, not lambdas: a first lambda sets up method handles, which costs start-up time.
        commandLine.setParameterExceptionHandler(new UsageErrors(environment));
        commandLine.setExecutionExceptionHandler(new CommandErrors(context));
        return commandLine;
    }

    /** A command line that does not parse: one line naming what is wrong, exit 2. */
    private static final class UsageErrors implements CommandLine.IParameterExceptionHandler {
        private final Environment environment;

        UsageErrors(Environment environment) {
            this.environment = environment;
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            environment.err().println(errorLine(usageMessage(ex))
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return ErrorCode.BAD_USAGE.exitCode();
        }
    }

    /** A command that failed: see {@link #handle}. */
    private static final class CommandErrors implements CommandLine.IExecutionExceptionHandler {
        private final CliContext context;

        CommandErrors(CliContext context) {
            this.context = context;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
            return handle(ex, context);
        }
    }

    /** The KimiException behind {@code ex}, also when Guice wrapped it while building an object. */
    static KimiException kimiCause(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof KimiException kimi) {
                return kimi;
            }
            if (t instanceof ProvisionException provision) {
                for (Message message : provision.getErrorMessages()) {
                    KimiException inner = kimiCause(message.getCause());
                    if (inner != null) {
                        return inner;
                    }
                }
            }
        }
        return null;
    }

    /** The one command named on the command line, or all of them (for help, errors and no command). */
    static Map<String, Class<?>> commandsFor(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (OPTIONS_WITH_VALUE.contains(arg)) {
                i++;
            } else if (!arg.startsWith("-")) {
                Class<?> command = "help".equals(arg) ? null : COMMANDS.get(arg);
                return command == null ? COMMANDS : Map.of(arg, command);
            }
        }
        return COMMANDS;
    }

    private static Map<String, Class<?>> commands(Object... nameThenClass) {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) {
            commands.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        }
        return Collections.unmodifiableMap(commands);
    }

    /** The picocli parse error in our words: what is missing or unknown, never picocli's capitalised text. */
    static String usageMessage(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String what = unmatched.getUnmatched().get(0);
            String message = (what.startsWith("-") ? "unknown option '" : "unknown command or argument '") + what + "'";
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += "; did you mean " + String.join(" or ", suggestions) + "?";
            }
            return message;
        }
        if (ex instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()) {
            CommandLine.Model.ArgSpec arg = missing.getMissing().get(0);
            if (arg instanceof CommandLine.Model.OptionSpec option) {
                return "option '" + option.longestName() + "' needs a value (" + option.paramLabel() + ")";
            }
            return "missing " + String.join(" and ", missing.getMissing().stream().map(CommandLine.Model.ArgSpec::paramLabel).toList());
        }
        return firstLine(ex.getMessage());
    }

    /** One line on stderr: {@code error: } and a message that starts in lower case. */
    static String errorLine(String message) {
        String text = firstLine(message);
        if (text.length() > 1 && Character.isUpperCase(text.charAt(0)) && Character.isLowerCase(text.charAt(1))) {
            text = Character.toLowerCase(text.charAt(0)) + text.substring(1);
        }
        return "error: " + (text.endsWith(".") ? text.substring(0, text.length() - 1) : text);
    }

    private static int handle(Exception ex, CliContext context) {
        boolean verbose = context.options().verbose();
        KimiException kimi = kimiCause(ex);
        if (kimi != null) {
            context.err().println(errorLine(kimi.getMessage()));
            if (verbose) {
                kimi.printStackTrace(context.err());
            }
            return kimi.exitCode();
        }
        context.err().println(errorLine("internal error (" + ex.getClass().getSimpleName() + "): " + firstLine(ex.getMessage()))
                + (verbose ? "" : "; run with --verbose for details"));
        if (verbose) {
            ex.printStackTrace(context.err());
        }
        return ErrorCode.INTERNAL.exitCode();
    }

    private static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    /**
     * The model of the command {@code type}, which runs in {@code context}; picocli's help command (the one not
     * ours) has its model read from its annotations.
     */
    private static Object command(Class<?> type, CliContext context) {
        if (!CliCommand.class.isAssignableFrom(type)) {
            return type;
        }
        try {
            return ((CliCommand) type.getDeclaredConstructor().newInstance()).spec(context);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make the command " + type.getName(), e);
        }
    }
}
