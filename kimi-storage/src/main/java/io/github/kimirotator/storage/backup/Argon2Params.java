package io.github.kimirotator.storage.backup;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id cost parameters. The product always writes {@link #PRODUCT}; cheaper values exist only so that
 * tests in this package can export quickly (they must still lie within the bounds that import accepts).
 */
record Argon2Params(int memoryKiB, int iterations, int parallelism) {
    /** RFC 9106 §4, second recommended option: 64 MiB, 3 passes, 4 lanes. */
    static final Argon2Params PRODUCT = new Argon2Params(64 * 1024, 3, 4);

    static final int MIN_MEMORY_KIB = 8 * 1024;
    static final int MAX_MEMORY_KIB = 1024 * 1024;
    static final int MIN_ITERATIONS = 1;
    static final int MAX_ITERATIONS = 10;
    static final int MIN_PARALLELISM = 1;
    static final int MAX_PARALLELISM = 16;

    /**
     * The first parameter outside the bounds import accepts, as {@code "name value is outside min..max"}, or
     * {@code null} when all are within them. A hostile file must not be able to make us spend unbounded
     * memory or time deriving a key.
     */
    String outOfBounds() {
        if (memoryKiB < MIN_MEMORY_KIB || memoryKiB > MAX_MEMORY_KIB) {
            return "memoryKiB " + memoryKiB + " is outside " + MIN_MEMORY_KIB + ".." + MAX_MEMORY_KIB;
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            return "iterations " + iterations + " is outside " + MIN_ITERATIONS + ".." + MAX_ITERATIONS;
        }
        if (parallelism < MIN_PARALLELISM || parallelism > MAX_PARALLELISM) {
            return "parallelism " + parallelism + " is outside " + MIN_PARALLELISM + ".." + MAX_PARALLELISM;
        }
        return null;
    }

    /** A 256-bit key from {@code password} and {@code salt}; the caller wipes it. */
    byte[] deriveKey(byte[] password, byte[] salt) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] key = new byte[AesGcm.KEY_BYTES];
        try {
            generator.generateBytes(password, key);
        } finally {
            parameters.clear();
        }
        return key;
    }
}
