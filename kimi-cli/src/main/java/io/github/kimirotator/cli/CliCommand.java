package io.github.kimirotator.cli;

import java.util.concurrent.Callable;

/** Base of every command: gets the {@link CliContext} before it runs, returns the exit code. */
public abstract class CliCommand implements Callable<Integer> {
    private CliContext context;

    final void init(CliContext context) {
        this.context = context;
    }

    protected CliContext context() {
        return context;
    }

    @Override
    public final Integer call() throws Exception {
        return run();
    }

    /** Runs the command; returns the exit code (0 when done). Errors are thrown as KimiException. */
    protected abstract int run() throws Exception;
}
