package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/** Base of every command: gets the {@link CliContext} before it runs, returns the exit code. */
public abstract class CliCommand implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    private CliContext context;

    final void init(CliContext context) {
        this.context = context;
    }

    protected CliContext context() {
        return context;
    }

    @Override
    public final Integer call() throws Exception {
        if (context.options().state() != null || context.environment().variable(GlobalOptions.STATE_VARIABLE).isPresent()) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "shared state (--state / " + GlobalOptions.STATE_VARIABLE
                    + ") is not available in this version; remove it to use the accounts file");
        }
        return run();
    }

    /** Runs the command; returns the exit code (0 when done). Errors are thrown as KimiException. */
    protected abstract int run() throws Exception;
}
