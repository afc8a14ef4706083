package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TestSecrets {

    @Test
    void wellFormedPasswordsAreTheirUtf8Bytes() {
        String password = "pässwörd 🔑 密码";

        assertThat(Secrets.utf8(password.toCharArray())).isEqualTo(password.getBytes(StandardCharsets.UTF_8));
        assertThat(Secrets.utf8(new char[0])).isEmpty();
    }

    @Test
    void aLoneSurrogateBecomesUFFFDAsInNode() {
        char[] password = {'a', '\uD83D', 'b'};

        assertThat(Secrets.utf8(password)).containsExactly('a', 0xEF, 0xBF, 0xBD, 'b');
    }

    @Test
    void wipeZeroesTheArray() {
        byte[] secret = {1, 2, 3};

        Secrets.wipe(secret);

        assertThat(secret).containsOnly(0);
    }
}
