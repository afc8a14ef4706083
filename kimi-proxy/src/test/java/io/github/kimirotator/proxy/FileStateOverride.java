package io.github.kimirotator.proxy;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.FileKeyState;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The file backend (no shared state), for tests that change one of its answers by overriding it. */
class FileStateOverride implements KeyStateBackend {
    private final KeyStateBackend file = new FileKeyState(Clock.systemUTC());

    @Override
    public CompletionStage<Shared> refresh(AccountsState local, boolean turn, Optional<String> session) {
        return file.refresh(local, turn, session);
    }

    @Override
    public AccountsState overlay(AccountsState local) {
        return file.overlay(local);
    }

    @Override
    public void record(AccountsState local, String key, HealthEvent event, Instant at) {
        file.record(local, key, event, at);
    }

    @Override
    public void clearLimits(Collection<String> keys) {
        file.clearLimits(keys);
    }

    @Override
    public void sync(AccountsState local) {
        file.sync(local);
    }

    @Override
    public boolean waitsForIo() {
        return file.waitsForIo();
    }

    @Override
    public Status status() {
        return file.status();
    }

    @Override
    public void close() {
        file.close();
    }
}
