package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPrivateFiles {
    @TempDir
    Path dir;

    @Test
    void createIfAbsentNeverReplaces() throws Exception {
        Path target = dir.resolve("token");
        assertThat(PrivateFiles.createIfAbsent(target, "first".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(PrivateFiles.createIfAbsent(target, "second".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(target).hasContent("first");
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void ofManyRacingWritersExactlyOneWins() throws Exception {
        Path target = dir.resolve("serve.json");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] content = ("writer " + i).getBytes(StandardCharsets.UTF_8);
            results.add(pool.submit(() -> {
                start.await();
                return PrivateFiles.createIfAbsent(target, content);
            }));
        }
        start.countDown();
        int winners = 0;
        for (Future<Boolean> result : results) {
            winners += result.get() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
        assertThat(Files.readString(target)).startsWith("writer ");
    }

    @Test
    void replaceSwapsTheWholeContent() throws Exception {
        Path target = dir.resolve("serve.json");
        PrivateFiles.replace(target, "old".getBytes(StandardCharsets.UTF_8));
        PrivateFiles.replace(target, "new".getBytes(StandardCharsets.UTF_8));
        assertThat(target).hasContent("new");
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
}
