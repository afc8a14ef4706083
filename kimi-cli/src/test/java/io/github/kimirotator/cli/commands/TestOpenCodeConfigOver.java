package io.github.kimirotator.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code run} gives OpenCode the proxy's settings through OPENCODE_CONFIG_CONTENT without dropping the user's own. */
class TestOpenCodeConfigOver {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BASE = "http://127.0.0.1:4000";

    @Test
    void withoutAValueOfTheUsersItIsThePlainDocument() {
        assertThat(ConfigCommand.openCodeConfigOver(null, BASE, "tok")).contains(ConfigCommand.openCodeConfig(BASE, "tok"));
        assertThat(ConfigCommand.openCodeConfigOver("  ", BASE, "tok")).contains(ConfigCommand.openCodeConfig(BASE, "tok"));
    }

    @Test
    void theUsersOtherSettingsStayAndOursWinWhereBothSetOne() throws Exception {
        String users = """
                {"theme": "tokyonight", "model": "openai/gpt-5", "autoupdate": false,
                 "provider": {"openai": {"options": {"apiKey": "theirs"}},
                              "anthropic": {"options": {"baseURL": "https://api.anthropic.com/v1", "timeout": 600000}}}}
                """;
        JsonNode merged = MAPPER.readTree(ConfigCommand.openCodeConfigOver(users, BASE, "tok").orElseThrow());

        assertThat(merged.path("theme").asText()).isEqualTo("tokyonight");
        assertThat(merged.path("autoupdate").asBoolean(true)).isFalse();
        assertThat(merged.path("provider").path("openai").path("options").path("apiKey").asText()).isEqualTo("theirs");
        JsonNode anthropic = merged.path("provider").path("anthropic");
        assertThat(anthropic.path("options").path("timeout").asLong()).isEqualTo(600000);
        assertThat(anthropic.path("options").path("baseURL").asText()).isEqualTo(BASE + "/v1");
        assertThat(anthropic.path("options").path("apiKey").asText()).isEqualTo("tok");
        assertThat(anthropic.path("models").has(ConfigCommand.MODEL)).isTrue();
        assertThat(merged.path("model").asText()).isEqualTo("anthropic/" + ConfigCommand.MODEL);
    }

    @Test
    void aValueThatIsNotAJsonObjectGivesNothingToMergeInto() {
        assertThat(ConfigCommand.openCodeConfigOver("{not json", BASE, "tok")).isEmpty();
        assertThat(ConfigCommand.openCodeConfigOver("[1, 2]", BASE, "tok")).isEmpty();
        assertThat(ConfigCommand.openCodeConfigOver("\"text\"", BASE, "tok")).isEmpty();
    }
}
