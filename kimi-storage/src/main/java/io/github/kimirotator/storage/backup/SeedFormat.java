package io.github.kimirotator.storage.backup;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The seed's backup format, byte for byte as its {@code bin/cli.js} writes it: the base64 text (no line
 * breaks) of salt(32) ‖ iv(16) ‖ tag(16) ‖ ciphertext, where the key is scrypt(password as UTF-8, salt,
 * N=16384, r=8, p=1, 32 bytes) and the cipher AES-256-GCM with that 16-byte IV and no associated data.
 */
final class SeedFormat {
    static final int SALT_BYTES = 32;
    static final int IV_BYTES = 16;
    static final int SCRYPT_N = 16384;
    static final int SCRYPT_R = 8;
    static final int SCRYPT_P = 1;
    private static final int HEADER_BYTES = SALT_BYTES + IV_BYTES + AesGcm.TAG_BYTES;

    private SeedFormat() {
    }

    /** Whether {@code file} is one base64 text, surrounding whitespace aside. */
    static boolean looksLikeBlob(byte[] file) {
        String text = new String(file, StandardCharsets.ISO_8859_1).strip();
        return !text.isEmpty() && text.matches("[A-Za-z0-9+/]+={0,2}");
    }

    static byte[] seal(byte[] plaintext, byte[] password, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(salt);
        random.nextBytes(iv);
        byte[] key = deriveKey(password, salt);
        byte[] sealed;
        try {
            sealed = AesGcm.seal(key, iv, null, plaintext);
        } finally {
            Secrets.wipe(key);
        }
        int cipherLength = sealed.length - AesGcm.TAG_BYTES;
        byte[] blob = new byte[HEADER_BYTES + cipherLength];
        System.arraycopy(salt, 0, blob, 0, SALT_BYTES);
        System.arraycopy(iv, 0, blob, SALT_BYTES, IV_BYTES);
        System.arraycopy(sealed, cipherLength, blob, SALT_BYTES + IV_BYTES, AesGcm.TAG_BYTES);
        System.arraycopy(sealed, 0, blob, HEADER_BYTES, cipherLength);
        return Base64.getEncoder().encode(blob);
    }

    /** The plaintext of a seed backup; the caller wipes it. */
    static byte[] open(byte[] file, byte[] password, String source) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(new String(file, StandardCharsets.ISO_8859_1).strip());
        } catch (IllegalArgumentException e) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
        if (blob.length < HEADER_BYTES) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
        byte[] salt = Arrays.copyOfRange(blob, 0, SALT_BYTES);
        byte[] iv = Arrays.copyOfRange(blob, SALT_BYTES, SALT_BYTES + IV_BYTES);
        // Bouncy Castle expects the tag after the ciphertext; the seed puts it before.
        byte[] sealed = new byte[blob.length - SALT_BYTES - IV_BYTES];
        int cipherLength = blob.length - HEADER_BYTES;
        System.arraycopy(blob, HEADER_BYTES, sealed, 0, cipherLength);
        System.arraycopy(blob, SALT_BYTES + IV_BYTES, sealed, cipherLength, AesGcm.TAG_BYTES);
        byte[] key = deriveKey(password, salt);
        try {
            return AesGcm.open(key, iv, null, sealed);
        } catch (InvalidCipherTextException e) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        } finally {
            Secrets.wipe(key);
        }
    }

    private static byte[] deriveKey(byte[] password, byte[] salt) {
        return SCrypt.generate(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, AesGcm.KEY_BYTES);
    }
}
