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
