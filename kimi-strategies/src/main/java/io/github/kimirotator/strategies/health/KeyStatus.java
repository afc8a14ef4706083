package io.github.kimirotator.strategies.health;

/** A key's state as the list view, the status JSON and the strategies see it (contract section 4). */
public enum KeyStatus {
    /** Eligible: not limited, not disabled, health at least {@link HealthPolicy#MIN_ELIGIBLE_HEALTH}. */
    ACTIVE("active"),
    /** A rate, billing or membership limit is running. */
    LIMITED("limited"),
    /** Rejected by the upstream; off until {@code clear-limits}. */
    DISABLED("disabled"),
    /** Usable only when no key is eligible. */
    LOW_HEALTH("low-health");

    private final String label;

    KeyStatus(String label) {
        this.label = label;
    }

    /** The contract's name for the state ({@code "active"}, {@code "limited"}...). */
    public String label() {
        return label;
    }
}
