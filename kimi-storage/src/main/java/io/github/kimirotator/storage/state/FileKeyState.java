package io.github.kimirotator.storage.state;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.state.KeyStateBackend;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * No shared state: each key's state lives in the accounts file alone, which the proxy and the CLI already
 * read and write. Every method is free.
 */
public final class FileKeyState implements KeyStateBackend {
    private final Status status;

    public FileKeyState(Clock clock) {
        this.status = new Status("file", false, true, clock.instant());
    }

    private static final CompletionStage<Shared> NOTHING = CompletableFuture.completedStage(Shared.NONE);

    @Override
    public CompletionStage<Shared> refresh(AccountsState local, boolean turn, Optional<String> session) {
        return NOTHING;
    }

    @Override
    public AccountsState overlay(AccountsState local) {
        return local;
    }

    @Override
    public void record(AccountsState local, String key, HealthEvent event, Instant at) {
        // The proxy's own journal writes the event to the accounts file.
    }

    @Override
    public void clearLimits(Collection<String> keys) {
        // clear-limits changes the accounts file, which is the whole state.
    }

    @Override
    public void sync(AccountsState local) {
        // Nothing is kept anywhere else.
    }

    @Override
    public boolean waitsForIo() {
        return false;
    }

    @Override
    public Status status() {
        return status;
    }

    @Override
    public void close() {
        // Nothing to let go of.
    }
}
