package io.github.kimirotator.proxy;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Requests waiting for a key: until a limited key frees up ({@code --max-wait}), or for a slot under the
 * per-key concurrency cap. Nothing blocks a thread while waiting. The time to wake is judged by the injected
 * clock on every {@link #tick()}; anything that may free a key (a reload, a finished request) wakes waiters
 * early, and each woken request simply asks for a key again.
 */
final class Parking {

    /** What a parked request is waiting for: a time by the clock, or ({@code null}) a free slot. */
    private record Parked(Instant wakeAt) {
    }

    private final Clock clock;
    private final Executor executor;
    private final Map<Exchange, Parked> parked = new ConcurrentHashMap<>();

    Parking(Clock clock, Executor executor) {
        this.clock = clock;
        this.executor = executor;
    }

    /** Parks {@code exchange} until the clock reaches {@code wakeAt}, or something frees a key. */
    void untilTime(Exchange exchange, Instant wakeAt) {
        parked.put(exchange, new Parked(wakeAt));
    }

    /** Parks {@code exchange} until a request finishes; it checks its own deadline when woken. */
    void untilSlot(Exchange exchange) {
        parked.put(exchange, new Parked(null));
    }

    /** Takes {@code exchange} out without waking it; false when it was not parked. */
    boolean remove(Exchange exchange) {
        return parked.remove(exchange) != null;
    }

    /** Wakes every request whose time has come, and those waiting for a slot, which check their deadline. */
    void tick() {
        Instant now = clock.instant();
        parked.forEach((exchange, p) -> {
            if (p.wakeAt() == null || !p.wakeAt().isAfter(now)) {
                wake(exchange);
            }
        });
    }

    /** A request finished: those waiting for a slot may find one. */
    void slotFreed() {
        parked.forEach((exchange, p) -> {
            if (p.wakeAt() == null) {
                wake(exchange);
            }
        });
    }

    /** The keys may have changed (the file was read again): every waiter asks again. */
    void wakeAll() {
        parked.keySet().forEach(this::wake);
    }

    /** Hands every parked request to {@code action} instead of waking it; for shutdown. */
    void drain(Consumer<Exchange> action) {
        for (Exchange exchange : List.copyOf(parked.keySet())) {
            if (parked.remove(exchange) != null) {
                action.accept(exchange);
            }
        }
    }

    int size() {
        return parked.size();
    }

    private void wake(Exchange exchange) {
        if (parked.remove(exchange) != null) {
            executor.execute(exchange::resume);
        }
    }
}
