package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/** Container images built on this machine by a script of ours (never pulled from a registry). */
final class LocalImages {
    private LocalImages() {
    }

    /**
     * A container engine that answers (else {@code what} is skipped, except on CI, where it fails) and the image
     * {@code image}, built by the script {@code script} (with this Java as {@code JAVA_HOME}) when it is not there.
     */
    static void require(String image, String script, String what) throws Exception {
        boolean available = DockerClientFactory.instance().isDockerAvailable();
        if (!available && System.getenv("CI") == null) {
            Assumptions.abort("no container engine can run here; " + what + " skipped (never on CI)");
        }
        assertThat(available).as("a container engine on CI (.ci/run starts dockerd)").isTrue();
        Process inspect = new ProcessBuilder("docker", "image", "inspect", image).redirectErrorStream(true).start();
        inspect.getInputStream().readAllBytes();
        if (inspect.waitFor() != 0) {
            ProcessBuilder builder = new ProcessBuilder("sh", script, image).redirectErrorStream(true);
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process build = builder.start();
            String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(build.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(build.exitValue()).as(output).isZero();
        }
    }
}
