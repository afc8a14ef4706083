package io.github.kimirotator.dist;

import java.nio.file.Path;

/** Files the seed itself made (a copy of shared/fixtures/seed, with its README). */
final class Fixtures {
    private Fixtures() {
    }

    static Path seed(String name) {
        return Path.of("src/test/resources/seed").resolve(name).toAbsolutePath();
    }
}
