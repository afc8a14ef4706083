package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestBackupCommands {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    static final String PASSWORD = "correct horse battery";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    CliRunner source;
    CliRunner target;
    Path backup;

    @BeforeEach
    void setUp() {
        source = new CliRunner(tmp.resolve("source"));
        target = new CliRunner(tmp.resolve("target"));
        backup = tmp.resolve("backup.json.enc");
        assertThat(source.run("add-key", KEY_A, "Alpha").exitCode()).isZero();
        assertThat(source.run("add-key", KEY_B, "Beta").exitCode()).isZero();
        assertThat(source.run("set-strategy", "round-robin").exitCode()).isZero();
        assertThat(source.run("set-cooldown", "90").exitCode()).isZero();
    }

    @Test
    void exportThenImportThroughStdinAndVariable() throws Exception {
        CliRunner.Result exported = source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        assertThat(exported.out()).contains("Exported 2 keys");
        assertThat(Files.getPosixFilePermissions(backup)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(backup)).doesNotContain(KEY_A).doesNotContain("Alpha");

        CliRunner.Result imported = target.variable(Passwords.VARIABLE, PASSWORD).run("import-keys", backup.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).isEqualTo("imported 2, skipped 0 duplicates\nrestored rotation strategy: round-robin\n");
        JsonNode file = JSON.readTree(target.fileBytes());
        assertThat(file.get("accounts")).hasSize(2);
        assertThat(file.get("rotationStrategy").asText()).isEqualTo("round-robin");
        assertThat(file.get("healthRefreshCooldownMinutes").asInt()).as("only the strategy is restored").isEqualTo(30);

        assertThat(target.run("set-strategy", "sticky").exitCode()).isZero();
        byte[] before = target.fileBytes();
        CliRunner.Result again = target.run("import-keys", backup.toString());
        assertThat(again.out()).isEqualTo("imported 0, skipped 2 duplicates\n");
        assertThat(target.fileBytes()).as("nothing imported, nothing restored").isEqualTo(before);
    }

    @Test
    void keepSettingsKeepsOurStrategy() throws Exception {
        source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(), "--password-stdin");
        target.variable(Passwords.VARIABLE, PASSWORD);
        assertThat(target.run("set-strategy", "sticky").exitCode()).isZero();

        CliRunner.Result r = target.run("import-keys", backup.toString(), "--keep-settings");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("imported 2, skipped 0 duplicates\nkept our settings (--keep-settings)\n");
        assertThat(JSON.readTree(target.fileBytes()).get("rotationStrategy").asText()).isEqualTo("sticky");
    }

    @Test
    void wrongPasswordChangesNothing() throws Exception {
        source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(), "--password-stdin");
        target.run("add-key", "sk-kimi-CCCCCCCCCCCCCCCCCCCCCCCC3333");
        byte[] before = target.fileBytes();
        CliRunner.Result r = target.runWithInput("not the password\n", "import-keys", backup.toString(), "--password-stdin");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: wrong password or damaged file: " + backup);
        assertThat(target.fileBytes()).isEqualTo(before);
    }

    @Test
    void existingTargetNeedsForce() throws Exception {
        Files.writeString(backup, "precious");
        CliRunner.Result r = source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(backup.toString()).contains("--force");
        assertThat(Files.readString(backup)).isEqualTo("precious");
        assertThat(source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(), "--password-stdin", "--force")
                .exitCode()).isZero();
    }

    @Test
    void aFolderAsTargetIsRefusedWithOrWithoutForce() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("backups"));
        for (boolean force : new boolean[] {false, true}) {
            CliRunner.Result r = force
                    ? source.runWithInput(PASSWORD + "\n", "export-keys", folder.toString(), "--password-stdin", "--force")
                    : source.runWithInput(PASSWORD + "\n", "export-keys", folder.toString(), "--password-stdin");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err()).isEqualTo("error: " + folder + " is a folder: give the backup's file name, e.g. "
                    + folder.resolve("kimi-keys-backup.json.enc") + "\n");
            try (var left = Files.list(folder)) {
                assertThat(left).as("nothing written into it").isEmpty();
            }
        }
    }

    @Test
    void shortPasswordIsRefused() {
        CliRunner.Result r = source.runWithInput("short\n", "export-keys", backup.toString(), "--password-stdin");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").doesNotContain("short\n");
        assertThat(backup).doesNotExist();
    }

    @Test
    void noConsoleAndNoPasswordIsAUsageError() {
        CliRunner.Result r = source.run("export-keys", backup.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--password-stdin").contains(Passwords.VARIABLE);
    }

    @Test
    void seedFormatRoundTripAndSeedFixtureImport() throws Exception {
        CliRunner.Result exported = source.runWithInput(PASSWORD + "\n", "export-keys", backup.toString(),
                "--password-stdin", "--format", "seed");
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        assertThat(Files.readString(backup).strip()).matches("[A-Za-z0-9+/=]+");
        assertThat(target.variable(Passwords.VARIABLE, PASSWORD).run("import-keys", backup.toString()).out())
                .contains("imported 2, skipped 0 duplicates");

        Path seedExport = Path.of("src/test/resources/seed/sample-export.json.enc").toAbsolutePath();
        CliRunner fresh = new CliRunner(tmp.resolve("fresh"));
        CliRunner.Result r = fresh.variable(Passwords.VARIABLE, "open sesame 42").run("import-keys", seedExport.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("imported 2, skipped 0 duplicates");
        JsonNode file = JSON.readTree(fresh.fileBytes());
        assertThat(file.get("accounts").get(0).get("name").asText()).isEqualTo("Delta");
        assertThat(file.get("accounts").get(1).get("key").asText()).isEqualTo("sk-kimi-EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE5555");
    }

    @Test
    void missingBackupFileIsAnIoError() {
        CliRunner.Result r = target.variable(Passwords.VARIABLE, PASSWORD).run("import-keys", tmp.resolve("nope.enc").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("nope.enc").contains("no such file");
    }

    @Test
    void consolePromptAsksTwiceOnExportAndOnceOnImport() throws Exception {
        CliRunner.Result exported = source.console(PASSWORD, PASSWORD).run("export-keys", backup.toString());
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        CliRunner.Result imported = target.console(PASSWORD).variable(Passwords.VARIABLE, "ignored when a console exists")
                .run("import-keys", backup.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported 2");
    }

    @Test
    void consolePasswordsThatDoNotMatchAreRefused() {
        CliRunner.Result r = source.console(PASSWORD, PASSWORD + "x").run("export-keys", backup.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: the two passwords do not match");
        assertThat(backup).doesNotExist();
    }
}
