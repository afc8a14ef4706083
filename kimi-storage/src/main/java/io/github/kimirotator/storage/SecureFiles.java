package io.github.kimirotator.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that hold keys are created 0600 and directories 0700 from the start (not chmod-ed afterwards, which
 * would leave a window where others can open them), where the file system has POSIX permissions.
 */
final class SecureFiles {
    private static final FileAttribute<?> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private SecureFiles() {
    }

    /** Creates {@code dir} and its missing parents, each 0700; existing ones are left as they are. */
    static void createDirectories(Path dir) throws IOException {
        createDirectories(dir, null);
    }

    /** As {@link #createDirectories(Path)}, adding each folder it made to {@code created} (outermost first) when not null. */
    static void createDirectories(Path dir, java.util.List<Path> created) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent, created);
        }
        try {
            if (isPosix(absolute)) {
                Files.createDirectory(absolute, OWNER_ONLY_DIR);
            } else {
                Files.createDirectory(absolute);
            }
            if (created != null) {
                created.add(absolute);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
    }

    /**
     * A new, empty 0600 file in {@code dir} named {@code .<baseName>.<digits>.tmp}. Not through
     * {@link Files#createTempFile}, whose random names cost a {@code SecureRandom} and the security providers
     * (~10 ms of a CLI command that writes): the file is created exclusively (never an existing file or link),
     * in a folder of ours, so the name need not be unpredictable, only new.
     */
    static Path createTempFile(Path dir, String baseName) throws IOException {
        String prefix = "." + baseName + ".";
        boolean posix = isPosix(dir);
        for (int attempt = 0; ; attempt++) {
            Path file = dir.resolve(prefix + (System.nanoTime() & Long.MAX_VALUE) + ".tmp");
            try {
                if (posix) {
                    Files.createFile(file, OWNER_ONLY_FILE);
                } else {
                    Files.createFile(file);
                }
                return file;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 99) {
                    throw e;
                }
            }
        }
    }

    /** Writes {@code content} to the existing {@code file} and forces it to the disk. */
    static void writeDurably(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /** Makes a rename inside {@code dir} durable; not every platform can open a directory, hence best effort. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory as a channel; NTFS journals the rename itself.
        }
    }

    /**
     * {@code path} with every symbolic link resolved, as the seed's lock library resolves it, so that both
     * lock and write the same file; a file that does not exist yet is resolved through its parent.
     */
    static Path canonical(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (NoSuchFileException e) {
            Path parent = absolute.getParent();
            return parent == null ? absolute : canonical(parent).resolve(absolute.getFileName());
        } catch (IOException e) {
            return absolute;
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
