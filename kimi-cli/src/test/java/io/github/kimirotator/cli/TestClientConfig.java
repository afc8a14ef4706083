package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.proxy.LocalToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client settings that work the first time: a token that serve will use, and JSON that is JSON. */
class TestClientConfig {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    Path ownDir() {
        return home.resolve(".config/opencode/kimi-rotator");
    }

    @Test
    void claudeCodeBeforeAnyServeMakesTheTokenServeWillUse() throws Exception {
        CliRunner cli = new CliRunner(home);

        CliRunner.Result r = cli.run("config", "claude-code", "--url", "http://127.0.0.1:8787");

        assertThat(r.exitCode()).as(r.err()).isZero();
        Path token = LocalToken.path(ownDir());
        assertThat(Files.getPosixFilePermissions(token)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(ownDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        String stored = Files.readString(token).strip();
        assertThat(stored).matches("[0-9a-f]{64}");
        assertThat(r.out()).contains("export ANTHROPIC_API_KEY=" + stored + "\n").doesNotContain("any-value");
        assertThat(LocalToken.loadOrCreate(ownDir())).as("what serve reads").isEqualTo(stored);

        CliRunner.Result again = cli.run("config", "claude-code", "--url", "http://127.0.0.1:8787");
        assertThat(again.out()).isEqualTo(r.out());
    }

    @Test
    void opencodePrintsValidJsonWithAttachmentsAndTheHintOnStderr() throws Exception {
        CliRunner cli = new CliRunner(home);

        CliRunner.Result r = cli.run("config", "opencode", "--url", "http://127.0.0.1:9999/");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).startsWith("OpenCode: merge this into ~/.config/opencode/opencode.json");
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.get("model").asText()).isEqualTo("anthropic/kimi-for-coding");
        JsonNode anthropic = doc.get("provider").get("anthropic");
        assertThat(anthropic.get("options").get("baseURL").asText()).isEqualTo("http://127.0.0.1:9999/v1");
        assertThat(anthropic.get("options").get("apiKey").asText()).isEqualTo(Files.readString(LocalToken.path(ownDir())).strip());
        JsonNode model = anthropic.get("models").get("kimi-for-coding");
        assertThat(model.get("attachment").asBoolean()).isTrue();
        assertThat(model.get("modalities").get("input")).extracting(JsonNode::asText).containsExactly("text", "image", "video", "pdf");
        assertThat(model.get("modalities").get("output")).extracting(JsonNode::asText).containsExactly("text");
        assertThat(model.get("limit").get("context").asInt()).isEqualTo(262144);
    }

    @Test
    void withoutARunningProxyNoTokenIsMade() {
        CliRunner.Result r = new CliRunner(home).run("config", "opencode");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(LocalToken.path(ownDir())).doesNotExist();
    }
}
