package io.github.kimirotator.proxy;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.storage.AccountsStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link KeyPool} and the accounts file in step, on one background thread so that requests never
 * wait for the file: events are written behind shortly after they happen (and on close) through the store's
 * locked read-modify-write, and a change made by someone else (the CLI, the seed) is noticed by the file's
 * size, time and identity and read again.
 */
final class StateSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateSync.class);
    /**
     * Long enough to write a burst of events at once (under load each write reads, replays and fsyncs the
     * file), short enough to be on disk within a second.
     */
    private static final long FLUSH_DELAY_MILLIS = 500;
    /** CLI changes must apply within 2 s; a stat every half second costs nothing. */
    private static final long POLL_INTERVAL_MILLIS = 500;

    private final AccountsStore store;
    private final KeyPool pool;
    private final Runnable onReload;
    private final ScheduledExecutorService io;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private Stamp lastSeen;
    private Stamp lastFailedRead;

    /** @param onReload run on the background thread after the state was read again */
    StateSync(AccountsStore store, KeyPool pool, Runnable onReload) {
        this.store = store;
        this.pool = pool;
        this.onReload = onReload;
        this.io = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kimi-proxy-state");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the file once, here and now, then watches it. */
    void start() {
        lastSeen = stamp();
        pool.reloaded(store.read());
        io.scheduleWithFixedDelay(this::pollQuietly, POLL_INTERVAL_MILLIS, POLL_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** An event was recorded: write it behind soon, together with whatever else happens meanwhile. */
    void changed() {
        if (!io.isShutdown() && flushScheduled.compareAndSet(false, true)) {
            try {
                io.schedule(this::flushQuietly, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // Closing: the final flush in close() writes this event.
                flushScheduled.set(false);
            }
        }
    }

    /** Writes every pending event now and waits for it; for shutdown. */
    @Override
    public void close() {
        Future<?> last = io.submit(() -> {
            flush();
            return null;
        });
        io.shutdown();
        try {
            last.get();
            io.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("could not save the key statistics to {}: {}", store.path(), e.getCause().getMessage());
        }
    }

    private void flushQuietly() {
        flushScheduled.set(false);
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("could not save the key statistics to {} (will retry): {}", store.path(), e.getMessage());
            changed();
        }
    }

    /**
     * Applies {@code change} to the accounts file under its lock, as a CLI command would, on the background
     * thread; the events not yet written go in first, so the change sees (and may undo) everything recorded
     * before it. The proxy uses the result at once.
     *
     * @return the state as written; fails with what {@code change} or the store threw
     */
    CompletableFuture<AccountsState> apply(UnaryOperator<AccountsState> change) {
        return CompletableFuture.supplyAsync(() -> {
            AccountsState written = write(change);
            onReload.run();
            return written;
        }, io);
    }

    private void flush() {
        if (pool.hasUnflushed()) {
            write(UnaryOperator.identity());
        }
    }

    private AccountsState write(UnaryOperator<AccountsState> change) {
        List<HealthJournal.Entry> pending = pool.unflushed();
        // With shared state, the file gets each key's shared view, so the seed and the CLI see what all proxies saw;
        // limits a change clears (a dashboard action) are cleared there first, for every proxy.
        AccountsState written = store.update(fresh -> {
            AccountsState before = pool.withShared(HealthJournal.replay(fresh, pending, pool.zone()));
            AccountsState after = change.apply(before);
            pool.clearShared(clearedKeys(before, after));
            return after;
        });
        pool.flushed(pending.size(), written);
        return written;
    }

    /** The keys that are limited or disabled in {@code before} and have no limit at all in {@code after}. */
    static List<String> clearedKeys(AccountsState before, AccountsState after) {
        List<String> cleared = new java.util.ArrayList<>();
        for (var b : before.accounts()) {
            int i = after.indexOfKey(b.key());
            if (i < 0 || !(b.disabled() || b.rateLimitResetTime() > 0 || b.billingLimitResetTime() > 0)) {
                continue;
            }
            var a = after.accounts().get(i);
            if (!a.disabled() && a.rateLimitResetTime() == 0 && a.billingLimitResetTime() == 0) {
                cleared.add(b.key());
            }
        }
        return cleared;
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn("could not read {}: {}", store.path(), e.getMessage());
        }
    }

    private void poll() {
        Stamp now = stamp();
        if (Objects.equals(now, lastSeen) || Objects.equals(now, lastFailedRead)) {
            return;
        }
        AccountsState fresh;
        try {
            fresh = store.read();
        } catch (RuntimeException e) {
            // A broken file is reported once, not every half second; the state in memory stays in use.
            lastFailedRead = now;
            throw e;
        }
        lastSeen = now;
        lastFailedRead = null;
        pool.reloaded(fresh);
        onReload.run();
    }

    private Stamp stamp() {
        Path path = store.path();
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.debug("cannot stat {}: {}", path, e.getMessage());
            return null;
        }
    }

    /** What tells one version of the file from another; the file key changes with each atomic rename. */
    private record Stamp(FileTime modified, long size, Object fileKey) {
    }
}
