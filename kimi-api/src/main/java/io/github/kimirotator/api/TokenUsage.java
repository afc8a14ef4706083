package io.github.kimirotator.api;

/**
 * Tokens counted from the {@code usage} of upstream answers: input, output, and the prompt-cache reads and
 * writes when the upstream reports them. Immutable; never negative.
 */
public record TokenUsage(long input, long output, long cacheRead, long cacheCreation) {
    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);

    public TokenUsage {
        if (input < 0 || output < 0 || cacheRead < 0 || cacheCreation < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
    }

    /** The sum of both, saturating instead of overflowing. */
    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(add(input, other.input), add(output, other.output),
                add(cacheRead, other.cacheRead), add(cacheCreation, other.cacheCreation));
    }

    /** Input plus output tokens (cache reads and writes are part of the prompt, counted apart). */
    public long total() {
        return add(input, output);
    }

    private static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
