package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-management flows through the built launcher, as a user runs them. */
class KeyManagementIT {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void addListRemove() throws Exception {
        Launcher cli = new Launcher(home);
        Launcher.Result added = cli.run("add-key", KEY_A, "Alpha");
        assertThat(added.exitCode()).as(added.err()).isZero();
        assertThat(added.out()).contains("Added key [0] Alpha (sk-kimi-...1111)");
        assertThat(cli.runWithInput(KEY_B + "\n", "add-key", "-", "Beta").exitCode()).isZero();

        Launcher.Result list = cli.run("list-keys");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("Kimi API Keys (2 total, strategy: health-based):")
                .contains("● [0] Alpha").contains("○ [1] Beta").doesNotContain(KEY_A).doesNotContain(KEY_B);
        assertThat(list.err()).isEmpty();

        Launcher.Result json = cli.run("list-keys", "--json");
        assertThat(JSON.readTree(json.out()).get("keys")).hasSize(2);

        assertThat(cli.run("remove-key", "0").exitCode()).isZero();
        JsonNode file = JSON.readTree(cli.fileBytes());
        assertThat(file.get("accounts")).hasSize(1);
        assertThat(file.get("accounts").get(0).get("name").asText()).isEqualTo("Beta");

        assertThat(Files.getPosixFilePermissions(cli.accountsFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void errorsAreOneLineWithContractExitCodes() throws Exception {
        Launcher cli = new Launcher(home);
        cli.run("add-key", KEY_A, "Alpha");
        byte[] before = cli.fileBytes();
        Launcher.Result bad = cli.run("add-key", "sk-kimi-tooshort");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("error: invalid key").doesNotContain("\n");
        assertThat(cli.run("remove-key", "5").exitCode()).isEqualTo(2);
        assertThat(cli.run("set-cooldown", "12abc").exitCode()).isEqualTo(2);
        assertThat(cli.run("no-such-command").exitCode()).isEqualTo(2);
        assertThat(cli.fileBytes()).isEqualTo(before);

        Files.writeString(cli.accountsFile(), "{\"version\": 1, \"accounts\": [");
        byte[] corrupt = cli.fileBytes();
        Launcher.Result broken = cli.run("add-key", KEY_B);
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).startsWith("error: ").contains(cli.accountsFile().toString()).contains("line");
        assertThat(cli.fileBytes()).isEqualTo(corrupt);
    }

    @Test
    void readsAndKeepsASeedMadeFile() throws Exception {
        Launcher cli = new Launcher(home);
        Files.createDirectories(cli.accountsFile().getParent());
        Files.copy(Fixtures.seed("accounts-basic.json"), cli.accountsFile());
        Launcher.Result list = cli.run("list-keys");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("3 total, strategy: round-robin").contains("[0] Alpha").contains("[2] Account 3")
                .contains("cooldown: 45 minutes");
        assertThat(cli.run("add-key", "sk-kimi-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD4444", "Delta").exitCode()).isZero();
        JsonNode original = JSON.readTree(Fixtures.seed("accounts-basic.json").toFile());
        JsonNode now = JSON.readTree(cli.fileBytes());
        for (int i = 0; i < 3; i++) {
            assertThat(now.get("accounts").get(i)).isEqualTo(original.get("accounts").get(i));
        }
        assertThat(now.get("rotationStrategy").asText()).isEqualTo("round-robin");
        assertThat(now.get("healthRefreshCooldownMinutes").asInt()).isEqualTo(45);
    }

    @Test
    void twentyConcurrentLaunchersLoseNoKey() throws Exception {
        Launcher cli = new Launcher(home);
        // As after installation: the first run has made the class-data archive the others start from.
        assertThat(cli.run("list-keys").exitCode()).isZero();
        List<Process> processes = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String key = String.format("sk-kimi-concurrent%012d", i);
            keys.add(key);
            processes.add(cli.start(Launcher.bin("kimi-rotator"), "add-key", key, "Writer " + i));
        }
        for (Process p : processes) {
            Launcher.Result r = Launcher.finish(p);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        JsonNode file = JSON.readTree(cli.fileBytes());
        Set<String> stored = new HashSet<>();
        file.get("accounts").forEach(a -> stored.add(a.get("key").asText()));
        assertThat(stored).isEqualTo(keys);
    }

    @Test
    void worksThroughASymlinkFromAnyDirectoryAndAsOpencodeKimi() throws Exception {
        Launcher cli = new Launcher(home);
        Path binDir = Files.createDirectories(home.resolve(".local/bin"));
        Path link = Files.createSymbolicLink(binDir.resolve("kimi-rotator"), Launcher.bin("kimi-rotator"));
        Launcher.Result viaLink = cli.runProgram(link, null, "add-key", KEY_A, "Linked");
        assertThat(viaLink.exitCode()).as(viaLink.err()).isZero();
        Launcher.Result alias = cli.runProgram(Launcher.bin("opencode-kimi"), null, "list-keys");
        assertThat(alias.exitCode()).isZero();
        assertThat(alias.out()).contains("[0] Linked");
    }

    @Test
    void refusesJavaOlderThan17() throws Exception {
        Path oldJava = home.resolve("old-jdk");
        Files.createDirectories(oldJava.resolve("bin"));
        Files.writeString(oldJava.resolve("release"), "JAVA_VERSION=\"11.0.2\"\n");
        Path java = oldJava.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho 'should not run' >&2\nexit 99\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Launcher.Result r = new Launcher(home).env("JAVA_HOME", oldJava.toString()).run("list-keys");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("needs Java 17 or newer").contains("11.0.2");
    }

    @Test
    void listKeysLoadsNoHttpServerOrCryptoClasses() throws Exception {
        Launcher cli = new Launcher(home);
        cli.run("add-key", KEY_A, "Alpha");
        Path log = home.resolve("classes.log");
        Launcher.Result r = cli.env("JAVA_OPTS", "-Xlog:class+load=info:file=" + log).run("list-keys");
        assertThat(r.exitCode()).isZero();
        String loaded = Files.readString(log);
        assertThat(loaded).contains("io.github.kimirotator.cli.commands.ListKeysCommand");
        assertThat(loaded).doesNotContain("org.eclipse.jetty").doesNotContain("org.bouncycastle")
                .doesNotContain("javax.crypto.Cipher ");
    }
}
