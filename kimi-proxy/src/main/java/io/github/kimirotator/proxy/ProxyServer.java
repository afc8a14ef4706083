package io.github.kimirotator.proxy;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.FileKeyState;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.report.StatusReport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local Anthropic-compatible proxy (contract section 3): listens, forwards under {@code /v1/} with a key
 * the strategy picks, fails over before the client sees an error, and keeps the keys' health and statistics
 * in memory, written behind to the accounts file.
 *
 * <p>Usage: construct, {@link #start()}, read {@link #uri()}, and {@link #close()} on shutdown. Time comes
 * from the policy's clock.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    private static final long TICK_MILLIS = 250;

    private final ProxyConfig config;
    private final HealthPolicy policy;
    private final Clock clock;
    private final KeyPool pool;
    private final StateSync sync;
    private final KeyStateBackend shared;
    private final ScheduledExecutorService timers;
    private final QueuedThreadPool serverThreads;
    private final Scheduler scheduler;
    private final Parking parking;
    private final ProxyMetrics metrics;
    private final UpstreamClient client;
    private final Forwarder forwarder;
    private final Server server;
    private final ServerConnector connector;
    private boolean started;
    private boolean closed;

    /**
     * @throws KimiException {@code INVALID_ARGUMENT} when {@code config} binds a non-loopback address without
     *     a token
     */
    public ProxyServer(ProxyConfig config, AccountsStore store, KeySelector selector, HealthPolicy policy) {
        this(config, store, selector, policy, new FileKeyState(policy.clock()));
    }

    /**
     * A proxy whose keys' state is shared through {@code shared} (which it closes when it closes).
     *
     * @throws KimiException {@code INVALID_ARGUMENT} when {@code config} binds a non-loopback address without
     *     a token
     */
    public ProxyServer(ProxyConfig config, AccountsStore store, KeySelector selector, HealthPolicy policy,
            KeyStateBackend shared) {
        this.shared = Objects.requireNonNull(shared, "shared");
        this.config = Objects.requireNonNull(config, "config");
        this.policy = Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(selector, "selector");
        if (!config.authRequired() && !isLoopback(config.host())) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "refusing to listen on " + config.host()
                    + " without auth: other machines could use your keys; drop --no-auth or bind 127.0.0.1");
        }
        this.clock = policy.clock();
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kimi-proxy-timer");
            t.setDaemon(true);
            return t;
        });
        // Every request's deadline timer is cancelled when its answer starts; cancelled ones must not linger.
        timerPool.setRemoveOnCancelPolicy(true);
        this.timers = timerPool;
        this.serverThreads = new ProxyThreads();
        serverThreads.setName("kimi-proxy");
        this.scheduler = new ScheduledExecutorScheduler("kimi-proxy-scheduler", true);
        this.parking = new Parking(clock, serverThreads);
        this.pool = new KeyPool(selector, policy, config.maxInFlightPerKey(), this::stateChanged, parking::slotFreed,
                shared);
        this.sync = new StateSync(store, pool, parking::wakeAll);
        History history = new History(clock);
        this.metrics = new ProxyMetrics(pool, policy, parking::size, history);
        // Both sides share one thread pool and scheduler: an upstream answer is handled on the thread that read
        // it, and passed to the client's connection without a hand-off.
        this.client = new UpstreamClient(serverThreads, scheduler);
        this.server = new Server(serverThreads, scheduler, null);
        this.connector = newConnector(server, config);
        server.addConnector(connector);
        this.forwarder = new Forwarder(config, pool, parking, metrics, client, timers, clock);
        Dashboard dashboard = new Dashboard(sync, selector.strategyNames(), this::status, history);
        GracefulHandler root = new GracefulHandler(new RootHandler(config, forwarder, metrics, this::status, dashboard,
                pool::sharedStatus, shared.waitsForIo()));
        // Nothing on the request path waits (bodies and answers move asynchronously, the file is written by a
        // thread of its own, the shared state answers with a stage), so Jetty may run requests on the thread that
        // read them instead of handing each to another thread. Jetty treats handlers that may be changed while
        // running ("dynamic", its default) as blocking, whatever they declare: the handlers are fixed here, so
        // they are declared not dynamic.
        root.setDynamic(false);
        server.setDynamic(false);
        server.setHandler(root);
        server.setStopTimeout(config.shutdownTimeout().toMillis());
    }

    /**
     * Reads the accounts file and starts listening; returns when the proxy accepts connections.
     *
     * @throws KimiException {@code IO_ERROR} when the address cannot be bound, or what reading the accounts
     *     file throws
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("the proxy was already started");
        }
        started = true;
        sync.start();
        timers.scheduleWithFixedDelay(parking::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        try {
            // Started here, before the client and the server that share them, so that neither stops them.
            serverThreads.start();
            scheduler.start();
            client.start();
            server.start();
        } catch (IOException e) {
            close();
            throw new KimiException(ErrorCode.IO_ERROR, "cannot listen on " + config.host() + ":" + config.port()
                    + ": " + bindFailure(e), e);
        } catch (Exception e) {
            close();
            throw new KimiException(ErrorCode.INTERNAL, "cannot start the proxy: " + e.getMessage(), e);
        }
        LOG.debug("listening on {}, forwarding to {}", uri(), config.upstream());
    }

    /**
     * Why binding failed, in words that name the fix: Jetty's own text ("Failed to bind to /127.0.0.1:8787")
     * names neither. The system's reason is in the {@link java.net.BindException} underneath.
     */
    static String bindFailure(IOException e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof java.net.BindException)) {
            cause = cause.getCause();
        }
        String reason = Objects.toString(cause.getMessage(), "").toLowerCase(java.util.Locale.ROOT);
        if (reason.contains("already in use")) {
            return "the address is in use (another program or proxy has it; pick another with --port, or 0 for a free one)";
        }
        if (reason.contains("cannot assign") || reason.contains("not available")) {
            return "the address is not one of this machine's (pick another with --host, e.g. 127.0.0.1)";
        }
        if (reason.contains("permission denied") || reason.contains("access denied")) {
            return "permission denied (ports below 1024 need privileges; pick another with --port, or 0 for a free one)";
        }
        return cause.getMessage() == null || cause.getMessage().isBlank() ? cause.getClass().getSimpleName()
                : cause.getMessage();
    }

    /** Where clients reach the proxy once started, e.g. {@code http://127.0.0.1:8787}. */
    public URI uri() {
        String host = config.host();
        if (isWildcard(host)) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + connector.getLocalPort());
    }

    /** The keys as the proxy sees them now, in the shape of {@code /_kimi/status}. */
    public StatusReport status() {
        return StatusReport.of(pool.state(), policy, pool::inFlight);
    }

    /**
     * Stops accepting, answers requests still waiting for a key, lets requests in flight finish (up to the
     * shutdown timeout), and writes the state. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        forwarder.stopping();
        parking.drain(Exchange::shutDown);
        try {
            server.stop();
        } catch (TimeoutException e) {
            LOG.warn("requests still under way after {} ms were cut off", config.shutdownTimeout().toMillis());
        } catch (Exception e) {
            LOG.warn("the proxy did not stop cleanly: {}", e.toString());
        }
        try {
            client.stop();
        } catch (Exception e) {
            LOG.warn("the upstream client did not stop cleanly: {}", e.getMessage());
        }
        timers.shutdownNow();
        AccessLog.flush();
        stopQuietly(scheduler);
        stopQuietly(serverThreads);
        if (started) {
            sync.close();
        }
        shared.close();
    }

    /** Where the keys' shared state lives and whether it can be reached ({@code "state"} in the status). */
    public KeyStateBackend.Status sharedStatus() {
        return pool.sharedStatus();
    }

    /** The accounts state in memory now. */
    AccountsState state() {
        return pool.state();
    }

    /** Whether the listening socket is open; false once {@link #close()} has begun. */
    boolean isListening() {
        return connector.isOpen();
    }

    /** Requests waiting for a key now. */
    int waiting() {
        return parking.size();
    }

    /** The pool reports events through this, since the sync that writes them is made after the pool. */
    private void stateChanged() {
        sync.changed();
    }

    /**
     * The threads of the server and the upstream client. When the handlers never block, a client connection whose
     * answer was completed by another thread (the upstream client's, which wrote the answer's last bytes) resumes
     * reading on that thread instead of waking a pooled one: it reads once (usually nothing yet) and asks the
     * selector to tell it when the next request comes, which costs far less than a hand-off between threads. Every
     * other task goes to the pool.
     */
    static final class ProxyThreads extends QueuedThreadPool {
        @Override
        public void execute(Runnable job) {
            if (job instanceof HttpConnection connection && isRunning()) {
                connection.run();
                return;
            }
            super.execute(job);
        }
    }

    private static void stopQuietly(LifeCycle shared) {
        try {
            shared.stop();
        } catch (Exception e) {
            LOG.debug("stopping {} failed: {}", shared, e.toString());
        }
    }

    private static ServerConnector newConnector(Server server, ProxyConfig config) {
        HttpConfiguration http = new HttpConfiguration();
        // The upstream's Server and Date headers pass through; the proxy adds none of its own.
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        return connector;
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
