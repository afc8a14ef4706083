package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Redis in a container built locally from Debian's {@code redis-server} (src/test/docker, no registry),
 * on host networking and a free port, without persistence. It can be stopped and started again on the same
 * port (a restart loses the data, as a Redis without persistence does) and paused (SIGSTOP of the whole
 * container) to test faults. A direct client sees what is stored.
 */
final class RedisFixture implements AutoCloseable {
    static final String IMAGE = "local/kimi-redis:7";

    final int port;
    private GenericContainer<?> container;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private RedisFixture(int port) {
        this.port = port;
    }

    /** A running Redis; skips the test without a container engine, except on CI. */
    static RedisFixture start() throws Exception {
        boolean available = DockerClientFactory.instance().isDockerAvailable();
        if (!available && System.getenv("CI") == null) {
            Assumptions.abort("no container engine can run here; Redis tests skipped (never on CI)");
        }
        assertThat(available).as("a container engine on CI (.ci/run starts dockerd)").isTrue();
        buildImageIfMissing();
        RedisFixture r = new RedisFixture(freePort());
        r.startContainer();
        return r;
    }

    /** A Redis not started yet, on a port chosen now: {@link #restart()} starts it. */
    static RedisFixture notStartedYet() throws Exception {
        RedisFixture r = start();
        r.stop();
        return r;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Commands on a direct connection, to look at what is stored. */
    RedisCommands<String, String> commands() {
        if (connection == null) {
            client = RedisClient.create(url());
            connection = client.connect();
        }
        return connection.sync();
    }

    void stop() {
        container.stop();
    }

    /** A fresh Redis on the same port (empty, like a restarted Redis without persistence). */
    void restart() {
        startContainer();
    }

    void pause() {
        DockerClientFactory.instance().client().pauseContainerCmd(container.getContainerId()).exec();
    }

    void unpause() {
        DockerClientFactory.instance().client().unpauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        if (container != null) {
            container.stop();
        }
    }

    private void startContainer() {
        container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withImagePullPolicy(name -> false)
                .withNetworkMode("host")
                .withCommand("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no")
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1)
                        .withStartupTimeout(Duration.ofSeconds(30)));
        container.start();
    }

    private static void buildImageIfMissing() throws IOException, InterruptedException {
        Process inspect = new ProcessBuilder("docker", "image", "inspect", IMAGE).redirectErrorStream(true).start();
        inspect.getInputStream().readAllBytes();
        if (inspect.waitFor() == 0) {
            return;
        }
        Process build = new ProcessBuilder("sh", System.getProperty("kimi.redisImageScript"), IMAGE)
                .redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue()).as(output).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
