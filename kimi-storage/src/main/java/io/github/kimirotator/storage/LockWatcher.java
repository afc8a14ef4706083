package io.github.kimirotator.storage;

import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * Hears what a wait for the accounts lock is doing, so a person at a terminal is not left wondering why a
 * command hangs. The CLI prints these; the default logs them.
 */
public interface LockWatcher {

    /**
     * Once per wait, after {@link AccountsLock#NOTICE_AFTER} spent waiting for another process's lock.
     *
     * @param accountsFile the file whose lock is held
     * @param heldSince when the lock directory was made, when the file system tells; else when it was last refreshed
     */
    void waiting(Path accountsFile, Instant heldSince);

    /** A stale lock was taken over: its holder stopped refreshing it at {@code lastRefreshed}. */
    void tookOver(Path lockDir, Instant lastRefreshed);

    /** Logs the take-over as a warning, and the wait not at all (a server's log has no one waiting on it). */
    LockWatcher LOG = new LockWatcher() {
        @Override
        public void waiting(Path accountsFile, Instant heldSince) {
        }

        @Override
        public void tookOver(Path lockDir, Instant lastRefreshed) {
            LoggerFactory.getLogger(AccountsLock.class).warn("took over the stale lock {} (not refreshed since {})",
                    lockDir, lastRefreshed);
        }
    };
}
