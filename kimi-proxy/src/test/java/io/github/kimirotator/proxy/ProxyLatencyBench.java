package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.storage.state.KeyStates;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Not a test: measures the latency the proxy adds, and its throughput, against calling a fast local upstream
 * directly. N client threads each send requests back to back over a kept-alive connection, first straight to
 * the upstream, then through the proxy. Run by {@code bench/proxy-latency.sh}.
 *
 * <p>With a Redis URL, the same load also goes through a proxy whose key state is shared on that Redis
 * ({@code --state}), with the default strategy and with round-robin (a shared turn per request); then the
 * runs are interleaved over {@code rounds} rounds and each figure is the median of its rounds.
 *
 * <p>Arguments: {@code [concurrency=16] [seconds per run=10] [warm-up seconds=5] [redis URL] [rounds=3]}.
 */
public final class ProxyLatencyBench {
    private static final String KEY = "sk-kimi-benchbenchbenchbenchbench";
    private static final String TOKEN = "bench-token";
    private static final byte[] REQUEST = ProxyHarness.MESSAGE_REQUEST.getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = FakeUpstream.MESSAGE_JSON.getBytes(StandardCharsets.UTF_8);

    private ProxyLatencyBench() {
    }

    /** Latencies of one run, in nanoseconds, and how long it lasted. */
    private record Run(long[] latencies, long elapsedNanos, long cpuNanos, long redisCpuNanos) {
        Run(long[] latencies, long elapsedNanos) {
            this(latencies, elapsedNanos, 0, 0);
        }

        /** CPU time of this JVM (client, upstream and proxy together) per request, in microseconds. */
        double cpuMicros() {
            return cpuNanos / 1e3 / latencies.length;
        }

        /** CPU time of the Redis server per request, in microseconds. */
        double redisCpuMicros() {
            return redisCpuNanos / 1e3 / latencies.length;
        }

        double percentileMillis(double p) {
            int i = (int) Math.ceil(p / 100.0 * latencies.length) - 1;
            return latencies[Math.max(0, Math.min(latencies.length - 1, i))] / 1e6;
        }

        double throughput() {
            return latencies.length / (elapsedNanos / 1e9);
        }
    }

    public static void main(String[] args) throws Exception {
        int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        if (args.length > 3) {
            compareStates(concurrency, seconds, warmup, args[3], args.length > 4 ? Integer.parseInt(args[4]) : 3);
            return;
        }
        Path dir = Files.createTempDirectory("kimi-bench");
        Server upstream = fastUpstream();
        int upstreamPort = ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
        URI upstreamUri = URI.create("http://127.0.0.1:" + upstreamPort);
        Clock clock = Clock.systemUTC();
        AccountsFile store = new AccountsFile(dir.resolve("kimi-accounts.json"), clock);
        store.update(s -> AccountsState.empty().withAccounts(List.of(Account.newKey(KEY, "Bench", clock.millis()))));
        HealthPolicy policy = new HealthPolicy(clock);
        ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(TOKEN).withPort(0).withUpstream(upstreamUri),
                store, new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy), policy);
        proxy.start();
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(concurrency);
        client.start();
        try {
            URI direct = upstreamUri.resolve("/v1/messages");
            URI proxied = proxy.uri().resolve("/v1/messages");
            run(client, direct, concurrency, warmup);
            run(client, proxied, concurrency, warmup);
            Run d = run(client, direct, concurrency, seconds);
            Run p = run(client, proxied, concurrency, seconds);
            System.out.printf(Locale.ROOT, "%d concurrent connections, %d s per run, %d cores, Java %s%n",
                    concurrency, seconds, Runtime.getRuntime().availableProcessors(), Runtime.version());
            System.out.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s %12s%n", "", "p50 ms", "p90 ms", "p99 ms",
                    "requests", "req/s");
            print("direct", d);
            print("proxy", p);
            System.out.printf(Locale.ROOT, "%-8s %10.3f %10.3f %10.3f%n", "added", p.percentileMillis(50)
                    - d.percentileMillis(50), p.percentileMillis(90) - d.percentileMillis(90),
                    p.percentileMillis(99) - d.percentileMillis(99));
        } finally {
            client.stop();
            proxy.close();
            upstream.stop();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Direct, file backend, Redis backend, Redis backend with round-robin: interleaved rounds, medians. */
    private static void compareStates(int concurrency, int seconds, int warmup, String redisUrl, int rounds)
            throws Exception {
        Path dir = Files.createTempDirectory("kimi-bench");
        Server upstream = fastUpstream();
        URI upstreamUri = URI.create("http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort());
        Clock clock = Clock.systemUTC();
        HealthPolicy policy = new HealthPolicy(clock);
        String prefix = "bench-" + System.nanoTime() + ":";
        List<String> names = List.of("direct", "file", "redis", "file-rr", "redis-rr");
        List<ProxyServer> proxies = new ArrayList<>();
        List<URI> targets = new ArrayList<>(List.of(upstreamUri.resolve("/v1/messages")));
        for (String name : names.subList(1, names.size())) {
            AccountsFile store = new AccountsFile(Files.createDirectories(dir.resolve(name)).resolve("a.json"), clock);
            AccountsState state = AccountsState.empty().withAccounts(List.of(Account.newKey(KEY, "Bench", clock.millis()),
                    Account.newKey(KEY + "2", "Bench 2", clock.millis())));
            store.update(s -> name.endsWith("-rr") ? state.withStrategy("round-robin") : state);
            var selector = new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy);
            var config = ProxyConfig.defaults(TOKEN).withPort(0).withUpstream(upstreamUri);
            ProxyServer proxy = name.startsWith("file") ? new ProxyServer(config, store, selector, policy)
                    : new ProxyServer(config, store, selector, policy,
                            KeyStates.open(redisUrl, prefix, java.util.Map.of(), policy));
            proxy.start();
            proxies.add(proxy);
            targets.add(proxy.uri().resolve("/v1/messages"));
        }
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(concurrency);
        client.start();
        io.lettuce.core.RedisClient redis = io.lettuce.core.RedisClient.create(redisUrl);
        try (var redisConnection = redis.connect()) {
            var commands = redisConnection.sync();
            redisCommands = commands;
            for (URI t : targets) {
                run(client, t, concurrency, warmup);
            }
            List<List<Run>> runs = new ArrayList<>();
            names.forEach(n -> runs.add(new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < targets.size(); i++) {
                    long cpu = processCpuNanos();
                    long redisCpu = redisCpuNanos();
                    Run run = run(client, targets.get(i), concurrency, seconds);
                    runs.get(i).add(new Run(run.latencies(), run.elapsedNanos(), processCpuNanos() - cpu,
                            redisCpuNanos() - redisCpu));
                }
            }
            System.out.printf(Locale.ROOT, "%d concurrent connections, %d rounds of %d s per target (medians), %d cores,"
                    + " Java %s%n", concurrency, rounds, seconds, Runtime.getRuntime().availableProcessors(),
                    Runtime.version());
            System.out.printf(Locale.ROOT, "%-9s %9s %9s %9s %9s %16s %12s %14s%n", "", "p50 ms", "p99 ms", "req/s",
                    "+p50 ms", "+p50 over file*", "JVM cpu µs", "Redis cpu µs");
            if (Boolean.getBoolean("bench.commandstats")) {
                System.out.println(redisCommands.info("commandstats"));
            }
            double directP50 = median(runs.get(0), x -> x.percentileMillis(50));
            double fileP50 = median(runs.get(1), x -> x.percentileMillis(50));
            double fileRrP50 = median(runs.get(3), x -> x.percentileMillis(50));
            for (int i = 0; i < names.size(); i++) {
                double p50 = median(runs.get(i), x -> x.percentileMillis(50));
                System.out.printf(Locale.ROOT, "%-9s %9.3f %9.3f %9.0f %9s %16s %12.0f %14.1f%n", names.get(i), p50,
                        median(runs.get(i), x -> x.percentileMillis(99)), median(runs.get(i), Run::throughput),
                        i == 0 ? "" : String.format(Locale.ROOT, "%.3f", p50 - directP50),
                        i == 2 ? String.format(Locale.ROOT, "%.3f", p50 - fileP50)
                                : i == 4 ? String.format(Locale.ROOT, "%.3f", p50 - fileRrP50) : "",
                        median(runs.get(i), Run::cpuMicros), median(runs.get(i), Run::redisCpuMicros));
            }
        } finally {
            redis.shutdown();
            client.stop();
            for (ProxyServer p : proxies) {
                p.close();
            }
            upstream.stop();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static io.lettuce.core.api.sync.RedisCommands<String, String> redisCommands;

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The Redis server's CPU time so far (INFO cpu: used_cpu_sys + used_cpu_user, in seconds). */
    private static long redisCpuNanos() {
        double seconds = 0;
        for (String line : redisCommands.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return (long) (seconds * 1e9);
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] v = runs.stream().mapToDouble(value).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void print(String name, Run r) {
        System.out.printf(Locale.ROOT, "%-8s %10.3f %10.3f %10.3f %10d %12.0f%n", name, r.percentileMillis(50),
                r.percentileMillis(90), r.percentileMillis(99), r.latencies().length, r.throughput());
    }

    private static Run run(HttpClient client, URI target, int concurrency, int seconds) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Future<long[]>> results = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            results.add(workers.submit(() -> {
                long[] latencies = new long[1024];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    ContentResponse r = client.POST(target)
                            .headers(h -> h.put("x-api-key", TOKEN))
                            .body(new BytesRequestContent("application/json", REQUEST))
                            .send();
                    long t1 = System.nanoTime();
                    if (r.getStatus() != 200) {
                        throw new IllegalStateException(target + " answered " + r.getStatus() + ": " + r.getContentAsString());
                    }
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = t1 - t0;
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        List<long[]> parts = new ArrayList<>();
        for (Future<long[]> f : results) {
            parts.add(f.get());
        }
        long elapsed = System.nanoTime() - start;
        workers.shutdown();
        long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Run(all, elapsed);
    }

    /** An upstream that answers every request at once with a small message. */
    private static Server fastUpstream() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.consumeAll(request, Callback.from(() -> {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, ByteBuffer.wrap(ANSWER), callback);
                }, callback::failed));
                return true;
            }
        });
        server.start();
        return server;
    }
}
