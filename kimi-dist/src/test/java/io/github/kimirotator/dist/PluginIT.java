package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example third-party strategy, dropped into the user's plugins folder, as a user would. */
class PluginIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void exampleStrategyIsFoundSelectedAndFollowed() throws Exception {
        Path jar = Path.of(System.getProperty("kimi.examplePlugin"));
        assertThat(jar).isRegularFile();
        Launcher cli = new Launcher(home);
        Path plugins = Files.createDirectories(home.resolve(".config/opencode/kimi-rotator/plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        for (int i = 0; i < 3; i++) {
            assertThat(cli.run("add-key", String.format("sk-kimi-plugin%014d", i), "P" + i).exitCode()).isZero();
        }

        Launcher.Result list = cli.run("strategies");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("least-used").contains(plugins.resolve(jar.getFileName()).toString());
        assertThat(list.err()).isEmpty();

        Launcher.Result set = cli.run("set-strategy", "least-used");
        assertThat(set.exitCode()).as(set.err()).isZero();
        JsonNode file = JSON.readTree(cli.fileBytes());
        assertThat(file.get("strategy").asText()).isEqualTo("least-used");
        assertThat(file.get("rotationStrategy").asText()).isEqualTo("health-based");

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String json = new String(cli.fileBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int[] counts = {5, 9, 2};
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int count : counts) {
            int at = json.indexOf("\"dailyRequests\": {}", from);
            out.append(json, from, at).append("\"dailyRequests\": {\"").append(today).append("\": ").append(count).append("}");
            from = at + "\"dailyRequests\": {}".length();
        }
        out.append(json.substring(from));
        Files.writeString(cli.accountsFile(), out.toString());

        Launcher.Result rotate = cli.run("rotate");
        assertThat(rotate.exitCode()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("Rotated to key [2] P2");
    }

    @Test
    void aBrokenJarIsAWarningAndTwoJarsWithOneNameAreAnErrorNamingBoth() throws Exception {
        Path jar = Path.of(System.getProperty("kimi.examplePlugin"));
        Launcher cli = new Launcher(home);
        Path plugins = Files.createDirectories(home.resolve(".config/opencode/kimi-rotator/plugins"));
        Files.writeString(plugins.resolve("broken.jar"), "not a zip");
        Launcher.Result warned = cli.run("strategies");
        assertThat(warned.exitCode()).isZero();
        assertThat(warned.err()).startsWith("warning: ").contains("broken.jar");
        assertThat(warned.out()).contains("health-based");
        assertThat(cli.run("add-key", "sk-kimi-pluginbroken00000000").exitCode()).isZero();

        Files.copy(jar, plugins.resolve("first.jar"));
        Files.copy(jar, plugins.resolve("second.jar"));
        Launcher.Result clash = cli.run("strategies");
        assertThat(clash.exitCode()).isEqualTo(1);
        assertThat(clash.err()).startsWith("error: ").contains("least-used").contains("first.jar").contains("second.jar");
        assertThat(clash.err().strip().lines()).hasSize(1);
        assertThat(cli.run("list-keys").exitCode()).as("commands without strategies still work").isZero();
    }
}
