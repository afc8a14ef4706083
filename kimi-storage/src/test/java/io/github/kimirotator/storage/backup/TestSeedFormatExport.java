package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;
import org.junit.jupiter.api.Test;

/**
 * {@code export-keys --format seed}, decrypted the way the seed's {@code decryptData} does it but with other
 * code than ours: the JDK's {@link Cipher} and Bouncy Castle's {@link SCrypt}.
 */
class TestSeedFormatExport {
    private static final List<String> SEED_ACCOUNT_FIELDS = List.of("key", "name", "addedAt", "lastUsed",
            "rateLimitResetTime", "billingLimitResetTime", "healthScore", "consecutiveFailures",
            "consecutiveBillingLimitHits", "totalRequests", "successfulRequests", "responseTimes", "dailyRequests");

    private final Account alpha = BackupFixtures.busyAccount(BackupFixtures.key('A', "1111"), "Älpha 🔑");
    private final Account beta = Account.newKey(BackupFixtures.key('B', "2222"), "Beta", 1_700_000_000_000L);
    private final AccountsState state = BackupFixtures.stateOf(List.of(alpha, beta));

    @Test
    void theSeedsDecryptionReadsWhatTheSeedExpects() throws Exception {
        byte[] file = BackupFixtures.cheapCodec().export(state, "pässwörd-🔑".toCharArray(), BackupFormat.SEED);

        String plaintext = decryptLikeTheSeed(file, "pässwörd-🔑");

        assertThat(plaintext).doesNotContain("\n", ": ");
        JsonNode root = BackupFixtures.JSON.readTree(plaintext);
        assertThat(fieldNames(root)).containsExactly("version", "exportedAt", "accounts", "rotationStrategy",
                "autoRefreshHealth", "healthRefreshCooldownMinutes");
        assertThat(root.get("version").intValue()).isEqualTo(1);
        assertThat(root.get("exportedAt").textValue()).isEqualTo("2026-03-01T10:15:30.123Z");
        assertThat(root.get("rotationStrategy").textValue()).isEqualTo("sticky");
        assertThat(root.get("autoRefreshHealth").booleanValue()).isFalse();
        assertThat(root.get("healthRefreshCooldownMinutes").intValue()).isEqualTo(45);

        JsonNode first = root.get("accounts").get(0);
        assertThat(fieldNames(first)).containsExactlyElementsOf(SEED_ACCOUNT_FIELDS);
        assertThat(first.get("key").textValue()).isEqualTo(alpha.key());
        assertThat(first.get("name").textValue()).isEqualTo("Älpha 🔑");
        assertThat(first.get("addedAt").longValue()).isEqualTo(alpha.addedAt());
        assertThat(first.get("lastUsed").longValue()).isEqualTo(alpha.lastUsed());
        assertThat(first.get("rateLimitResetTime").longValue()).isEqualTo(alpha.rateLimitResetTime());
        assertThat(first.get("billingLimitResetTime").longValue()).isEqualTo(alpha.billingLimitResetTime());
        assertThat(first.get("healthScore").intValue()).isEqualTo(55);
        assertThat(first.get("consecutiveFailures").intValue()).isEqualTo(2);
        assertThat(first.get("consecutiveBillingLimitHits").intValue()).isEqualTo(1);
        assertThat(first.get("totalRequests").longValue()).isEqualTo(120);
        assertThat(first.get("successfulRequests").longValue()).isEqualTo(99);
        assertThat(first.get("responseTimes").toString()).isEqualTo("[245,198,210]");
        assertThat(first.get("dailyRequests").toString()).isEqualTo("{\"2026-02-27\":7,\"2026-02-28\":12}");
        assertThat(fieldNames(root.get("accounts").get(1))).containsExactlyElementsOf(SEED_ACCOUNT_FIELDS);
        assertThat(root.get("accounts").get(1).get("key").textValue()).isEqualTo(beta.key());
    }

    @Test
    void theFileIsOneBase64LineOfSaltIvTagAndCiphertext() throws Exception {
        byte[] file = BackupFixtures.cheapCodec().export(state, BackupFixtures.PASSWORD.toCharArray(),
                BackupFormat.SEED);

        String text = new String(file, StandardCharsets.US_ASCII);
        assertThat(text).matches("[A-Za-z0-9+/]+=*");
        int plaintextLength = decryptLikeTheSeed(file, BackupFixtures.PASSWORD).getBytes(StandardCharsets.UTF_8).length;
        assertThat(Base64.getDecoder().decode(text)).hasSize(32 + 16 + 16 + plaintextLength);
    }

    @Test
    void aPluginStrategyLeavesTheSeedAValidName() throws Exception {
        AccountsState withPlugin = AccountsState.empty().withAccounts(List.of(beta)).withStrategy("round-robin")
                .withStrategy("least-used");
        byte[] file = BackupFixtures.cheapCodec().export(withPlugin, BackupFixtures.PASSWORD.toCharArray(),
                BackupFormat.SEED);

        JsonNode root = BackupFixtures.JSON.readTree(decryptLikeTheSeed(file, BackupFixtures.PASSWORD));

        assertThat(root.get("rotationStrategy").textValue()).isEqualTo("round-robin");
        assertThat(root.has("strategy")).isFalse();
    }

    /** The seed's {@code decryptData}: scrypt(password, salt, 32) with Node's defaults N=16384, r=8, p=1. */
    private static String decryptLikeTheSeed(byte[] file, String password) throws Exception {
        byte[] data = Base64.getDecoder().decode(new String(file, StandardCharsets.US_ASCII));
        byte[] salt = Arrays.copyOfRange(data, 0, 32);
        byte[] iv = Arrays.copyOfRange(data, 32, 48);
        byte[] tag = Arrays.copyOfRange(data, 48, 64);
        byte[] encryptedThenTag = Arrays.copyOf(Arrays.copyOfRange(data, 64, data.length), data.length - 48);
        System.arraycopy(tag, 0, encryptedThenTag, data.length - 64, 16);
        byte[] key = SCrypt.generate(password.getBytes(StandardCharsets.UTF_8), salt, 16384, 8, 1, 32);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        return new String(cipher.doFinal(encryptedThenTag), StandardCharsets.UTF_8);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
