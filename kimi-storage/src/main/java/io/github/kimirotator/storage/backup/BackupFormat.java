package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The two backup formats, by the names {@code export-keys --format} takes. */
public enum BackupFormat {
    /** Ours: Argon2id and AES-256-GCM in a JSON envelope, with every field and setting (the default). */
    V2("v2"),
    /** The seed's: scrypt and AES-256-GCM in a base64 blob, with only the fields the seed knows. */
    SEED("seed");

    private final String cliName;

    BackupFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /**
     * The format called {@code name}.
     *
     * @throws KimiException {@link ErrorCode#INVALID_ARGUMENT} naming the valid names
     */
    public static BackupFormat fromCliName(String name) {
        for (BackupFormat format : values()) {
            // in any case, as every keyword of the command line
            if (name != null && format.cliName.equalsIgnoreCase(name.strip())) {
                return format;
            }
        }
        throw new KimiException(ErrorCode.INVALID_ARGUMENT, "unknown backup format '" + name + "': use "
                + Arrays.stream(values()).map(BackupFormat::cliName).collect(Collectors.joining(" or ")));
    }
}
