package io.github.kimirotator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TestNames {

    @Test
    void normalizeRefusesUnsafeCharactersNamingTheirCodePoint() {
        assertThat(Names.normalize("  Work  ", 3)).isEqualTo("Work");
        assertThat(Names.normalize(" ", 3)).isEqualTo("Account 3");
        assertThat(Names.normalize("Ünïcödé 名前 🙂", 1)).isEqualTo("Ünïcödé 名前 🙂");
        assertThatThrownBy(() -> Names.normalize("a\u202eb", 1)).hasMessageContaining("U+202E");
        assertThatThrownBy(() -> Names.normalize("a\u200bb", 1)).hasMessageContaining("U+200B");
        assertThatThrownBy(() -> Names.normalize("a\u0085b", 1)).hasMessageContaining("U+0085");
        assertThatThrownBy(() -> Names.normalize("n".repeat(65), 1)).hasMessageContaining("65 characters");
    }

    @Test
    void cleanRemovesUnsafeCharactersAndCutsTo64() {
        assertThat(Names.clean("Fine", 1)).isEqualTo("Fine");
        assertThat(Names.clean("a\u001b[31mb\r\n\u202e", 1)).isEqualTo("a[31mb");
        assertThat(Names.clean("\u200b \u2066", 7)).isEqualTo("Account 7");
        assertThat(Names.clean("🙂".repeat(70), 1)).isEqualTo("🙂".repeat(64));
        assertThat(Names.clean(null, 2)).isEqualTo("Account 2");
    }

    @Test
    void escapeShowsUnsafeCharactersAsEscapes() {
        assertThat(Names.escape("plain name")).isEqualTo("plain name");
        assertThat(Names.escape("a\u001bb\u202e")).isEqualTo("a\\u001bb\\u202e");
        assertThat(Names.escape("tag\udb40\udc01")).isEqualTo("tag\\U000e0001");
        assertThat(Names.escape("lone\ud800")).isEqualTo("lone\\ud800");
    }

    @Property(tries = 2000)
    void escapedAndCleanedNamesHoldNoUnsafeCharacter(@ForAll("anyText") String name) {
        assertThat(Names.escape(name).codePoints().noneMatch(Names::isUnsafe)).isTrue();
        String cleaned = Names.clean(name, 1);
        assertThat(cleaned.codePoints().noneMatch(Names::isUnsafe)).isTrue();
        assertThat(cleaned.codePointCount(0, cleaned.length())).isBetween(1, Names.MAX_LENGTH);
        assertThat(Names.normalize(cleaned, 1)).isEqualTo(cleaned);
    }

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(120),
                Arbitraries.strings().withChars("\u001b\u009b\u202e\u200b\u2028 ab").ofMaxLength(100));
    }
}
