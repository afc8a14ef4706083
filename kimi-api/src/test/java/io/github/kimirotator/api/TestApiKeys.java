package io.github.kimirotator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class TestApiKeys {

    @Test
    void displayShowsThePrefixAndTheLastFourCharacters() {
        assertThat(ApiKeys.display("sk-kimi-AAAAAAAAAAAAAAAAAAAAyDig")).isEqualTo("sk-kimi-...yDig");
        assertThat(ApiKeys.display("abc")).isEqualTo("sk-kimi-...");
        assertThat(ApiKeys.display(null)).isEqualTo("sk-kimi-...");
    }

    @Test
    void anInvalidKeyEndingInAControlSequenceIsShownEscapedInItsError() {
        String key = "sk-kimi-aaaaaaaaaaaaaaaaaaaa\u001b[2J";
        assertThat(ApiKeys.display(key)).isEqualTo("sk-kimi-...\\u001b[2J");
        assertThatThrownBy(() -> ApiKeys.validateKey(key))
                .hasMessage("invalid key sk-kimi-...\\u001b[2J: after 'sk-kimi-' only letters, digits, '_' and '-' are allowed");
        assertThatThrownBy(() -> ApiKeys.validateKey("sk-kimi-" + "a".repeat(130) + "\u202e"))
                .hasMessageStartingWith("invalid key sk-kimi-...aaa\\u202e: it has 139 characters");
    }

    @Test
    void displayNeverSplitsACharacterOutsideTheBasicPlane() {
        assertThat(ApiKeys.display("sk-kimi-aaaaaaaaaaaaa🙂🙂🙂🙂")).isEqualTo("sk-kimi-...🙂🙂🙂🙂");
    }

    @Property(tries = 300)
    void displayNeverHoldsAnUnsafeCharacterNorMoreThanFourOfTheKey(@ForAll String anything) {
        String shown = ApiKeys.display("sk-kimi-" + anything);
        assertThat(shown).startsWith("sk-kimi-...");
        assertThat(shown.codePoints().filter(Names::isUnsafe)).isEmpty();
        String tail = shown.substring("sk-kimi-...".length());
        String unescaped = tail.replaceAll("\\\\(u[0-9a-f]{4}|U[0-9a-f]{8})", "?");
        assertThat(unescaped.codePointCount(0, unescaped.length())).isLessThanOrEqualTo(4);
    }
}
