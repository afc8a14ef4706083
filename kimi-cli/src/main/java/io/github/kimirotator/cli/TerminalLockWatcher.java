package io.github.kimirotator.cli;

import io.github.kimirotator.storage.LockWatcher;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Tells the person at the terminal why a command is waiting, and that a stale lock was taken over. */
public final class TerminalLockWatcher implements LockWatcher {
    private final PrintStream err;

    public TerminalLockWatcher(PrintStream err) {
        this.err = err;
    }

    @Override
    public void waiting(Path accountsFile, Instant heldSince) {
        err.println("waiting for the lock on " + accountsFile + " (held since " + heldSince.truncatedTo(ChronoUnit.SECONDS)
                + " by another kimi-rotator or opencode process)");
    }

    @Override
    public void tookOver(Path lockDir, Instant lastRefreshed) {
        err.println("warning: took over the stale lock " + lockDir + " (its holder stopped refreshing it at "
                + lastRefreshed.truncatedTo(ChronoUnit.SECONDS) + ")");
    }
}
