package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two builds give identical archives: the source tree is copied to another folder (so paths and file times
 * differ) and built again offline; the zip and tar.gz must match this build's byte for byte.
 */
class ReproducibleBuildIT {
    static final Path ROOT = Path.of(System.getProperty("kimi.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path copy;

    @Test
    void secondBuildGivesIdenticalArchives() throws Exception {
        Path target = ROOT.resolve("kimi-dist/target");
        String name = Launcher.DIST.getFileName().toString();
        copyTree(ROOT, copy);
        Process build = new ProcessBuilder(copy.resolve("mvnw").toString(), "-B", "-q", "-o", "package",
                "-DskipTests", "-Dmaven.javadoc.skip=true")
                .directory(copy.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue()).as(output).isZero();
        for (String archive : new String[] {name + ".zip", name + ".tar.gz"}) {
            assertThat(sha256(copy.resolve("kimi-dist/target").resolve(archive)))
                    .as(archive).isEqualTo(sha256(target.resolve(archive)));
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
                if (!dir.equals(from) && (n.equals("target") || n.equals(".git") || n.equals(".jqwik-database"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
