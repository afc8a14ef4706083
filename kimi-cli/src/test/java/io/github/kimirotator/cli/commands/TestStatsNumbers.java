package io.github.kimirotator.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** stats formats its numbers by hand, exactly as {@code String.format} in {@link Locale#ROOT} did. */
class TestStatsNumbers {

    @Property
    void groupedIsPercentCommaD(@ForAll long n) {
        assertThat(StatsCommand.grouped(n)).isEqualTo(String.format(Locale.ROOT, "%,d", n));
    }

    @Property
    void groupedIsPercentCommaDForSmallNumbers(@ForAll @LongRange(min = -100_000, max = 10_000_000) long n) {
        assertThat(StatsCommand.grouped(n)).isEqualTo(String.format(Locale.ROOT, "%,d", n));
    }

    /** Rates are rounded to tenths before they are shown, as stats does: successful out of total requests. */
    @Property
    void percentIsPercentPointOneF(@ForAll @IntRange(min = 0, max = 1_000_000) int successful,
            @ForAll @IntRange(min = 1, max = 1_000_000) int total) {
        long s = Math.min(successful, total);
        Double rate = Math.round(1000.0 * s / total) / 10.0;
        assertThat(StatsCommand.percent(rate)).isEqualTo(String.format(Locale.ROOT, "%.1f%%", rate));
    }
}
