package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/**
 * Encrypted backups of the accounts: writes {@link BackupFormat#V2} or {@link BackupFormat#SEED} and reads
 * either, telling them apart by their first character (a brace, or base64 text). The envelope, the seed's
 * layout and the plaintext are documented on the package-private {@code V2Format}, {@code SeedFormat} and
 * {@code BackupContent}.
 *
 * <p>Passwords are taken as {@code char[]} and never become a {@link String}; every derived copy and key is
 * wiped after use. The caller's array is left as it is, for the caller to wipe.
 */
public final class BackupCodec {
    /** The shortest password {@link #export} accepts, as the seed required. */
    public static final int MIN_PASSWORD_LENGTH = 8;

    private final Clock clock;
    private final SecureRandom random;
    private final Argon2Params kdf;

    /** A codec that stamps exports with {@code clock}'s time and always writes the product's KDF cost. */
    public BackupCodec(Clock clock) {
        this(clock, new SecureRandom(), Argon2Params.PRODUCT);
    }

    /** For tests of this package only: a cheaper {@code kdf} keeps property tests fast. */
    BackupCodec(Clock clock, SecureRandom random, Argon2Params kdf) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.kdf = Objects.requireNonNull(kdf, "kdf");
    }

    /**
     * The backup file's bytes for every account and setting of {@code state}. The seed format holds only what
     * the seed knows: its thirteen account fields and its strategy field.
     *
     * @throws KimiException {@link ErrorCode#INVALID_ARGUMENT} when the password has fewer than
     *     {@value #MIN_PASSWORD_LENGTH} characters
     */
    public byte[] export(AccountsState state, char[] password, BackupFormat format) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(format, "format");
        if (password.length < MIN_PASSWORD_LENGTH) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "password too short: it has " + password.length
                    + " characters, at least " + MIN_PASSWORD_LENGTH + " are required");
        }
        byte[] plaintext = BackupContent.write(state, clock.instant(), format);
        byte[] passwordBytes = Secrets.utf8(password);
        try {
            return format == BackupFormat.SEED
                    ? SeedFormat.seal(plaintext, passwordBytes, random)
                    : V2Format.seal(plaintext, passwordBytes, kdf, random);
        } finally {
            Secrets.wipe(passwordBytes);
            Secrets.wipe(plaintext);
        }
    }

    /**
     * The accounts and settings in a backup file of either format.
     *
     * @param source the file's name as the user gave it, for error messages
     * @throws KimiException {@link ErrorCode#WRONG_PASSWORD} {@code "wrong password or damaged file: <source>"}
     *     for a wrong password or any damaged or tampered byte; {@link ErrorCode#UNKNOWN_FORMAT} saying what was
     *     found, for another format or version, or key derivation parameters outside the accepted bounds
     *     (checked before any work); {@link ErrorCode#CORRUPT_FILE} when the decrypted content is not a
     *     valid backup
     */
    public ImportedBackup read(byte[] file, char[] password, String source) {
        Objects.requireNonNull(source, "source");
        BackupFormat format = detect(file, source);
        byte[] passwordBytes = Secrets.utf8(password);
        byte[] plaintext = null;
        try {
            plaintext = format == BackupFormat.SEED
                    ? SeedFormat.open(file, passwordBytes, source)
                    : V2Format.open(file, passwordBytes, source);
            return BackupContent.read(plaintext, format, source);
        } finally {
            Secrets.wipe(passwordBytes);
            Secrets.wipe(plaintext);
        }
    }

    private static BackupFormat detect(byte[] file, String source) {
        if (V2Format.looksLikeEnvelope(file)) {
            return BackupFormat.V2;
        }
        if (SeedFormat.looksLikeBlob(file)) {
            return BackupFormat.SEED;
        }
        if (new String(file, StandardCharsets.ISO_8859_1).isBlank()) {
            throw BackupErrors.unknownFormat(source, "the file is empty");
        }
        throw BackupErrors.unknownFormat(source,
                "neither a kimi-rotator backup (JSON) nor a seed backup (base64 text)");
    }
}
