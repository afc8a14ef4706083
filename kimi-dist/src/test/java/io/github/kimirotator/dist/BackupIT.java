package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export and import through the launcher, as a user moving keys to another machine. */
class BackupIT {
    static final String KEY_A = "sk-kimi-BACKUPBACKUPBACKUPBACKUP0000aaaa";
    static final String KEY_B = "sk-kimi-BACKUPBACKUPBACKUPBACKUP0000bbbb";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void exportToAFreshConfigAndBack() throws Exception {
        Launcher source = new Launcher(Files.createDirectories(tmp.resolve("source")));
        Launcher target = new Launcher(Files.createDirectories(tmp.resolve("target")));
        source.run("add-key", KEY_A, "Alpha");
        source.run("add-key", KEY_B, "Beta");
        source.run("set-cooldown", "75");
        source.run("set-strategy", "sticky");
        Path backup = tmp.resolve("keys.json.enc");

        Launcher.Result exported = source.runWithInput("a long password\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        assertThat(exported.out() + exported.err()).doesNotContain(KEY_A).doesNotContain("a long password");
        byte[] exportedBytes = Files.readAllBytes(backup);

        Launcher.Result refused = source.runWithInput("a long password\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--force");
        assertThat(Files.readAllBytes(backup)).isEqualTo(exportedBytes);

        Launcher.Result wrong = target.env("KIMI_ROTATOR_PASSWORD", "not it at all").run("import-keys", backup.toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err().strip()).isEqualTo("error: wrong password or damaged file: " + backup);
        assertThat(target.fileBytes()).isNull();

        Launcher.Result imported = target.env("KIMI_ROTATOR_PASSWORD", "a long password").run("import-keys", backup.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).isEqualTo("imported 2, skipped 0 duplicates\nrestored rotation strategy: sticky\n");
        JsonNode file = JSON.readTree(target.fileBytes());
        assertThat(file.get("accounts").findValuesAsText("key")).containsExactly(KEY_A, KEY_B);
        assertThat(file.get("rotationStrategy").asText()).isEqualTo("sticky");
        assertThat(file.get("healthRefreshCooldownMinutes").asInt()).as("only the strategy is restored").isEqualTo(30);
    }

    @Test
    void importsTheSeedsOwnBackup() throws Exception {
        Launcher cli = new Launcher(tmp);
        Launcher.Result r = cli.runWithInput("open sesame 42\n", "import-keys",
                Fixtures.seed("sample-export.json.enc").toString(), "--password-stdin");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("imported 2, skipped 0 duplicates");
        Launcher.Result list = cli.run("list-keys");
        assertThat(list.out()).contains("[0] Delta").contains("[1] Echo").contains("sk-kimi-...5555");
    }

    @Test
    void defaultFileNameInTheWorkingDirectory() throws Exception {
        Launcher cli = new Launcher(tmp);
        cli.run("add-key", KEY_A, "Alpha");
        Launcher.Result r = cli.env("KIMI_ROTATOR_PASSWORD", "a long password").run("export-keys");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("kimi-keys-backup.json.enc");
        assertThat(tmp.resolve("kimi-keys-backup.json.enc")).isRegularFile();
    }
}
