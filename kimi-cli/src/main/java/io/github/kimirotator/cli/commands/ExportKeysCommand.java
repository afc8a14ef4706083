package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.Passwords;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.backup.BackupCodec;
import io.github.kimirotator.storage.backup.BackupFiles;
import io.github.kimirotator.storage.backup.BackupFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export-keys", description = "Write an encrypted backup of the keys, their statistics and the settings.",
        footerHeading = "%nEnvironment:%n",
        footer = {"  " + Passwords.VARIABLE + "  the password (at least 8 characters), when there is",
            "                         no console and no --password-stdin"})
public final class ExportKeysCommand extends CliCommand {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Target file (default: kimi-keys-backup.json.enc).")
    Path file = Path.of("kimi-keys-backup.json.enc");

    @Option(names = "--password-stdin", description = "Read the password from the first line of stdin.")
    boolean passwordStdin;

    @Option(names = "--format", paramLabel = "v2|seed", description = "v2 (default: Argon2id + AES-GCM) or seed (readable by opencode-kimi-rotator).")
    String format = "v2";

    @Option(names = "--force", description = "Overwrite an existing file.")
    boolean force;

    @Override
    protected int run() {
        BackupFormat backupFormat = BackupFormat.fromCliName(format);
        if (Files.exists(file) && !force) {
            throw new KimiException(ErrorCode.TARGET_EXISTS, file + " already exists; use --force to overwrite it");
        }
        AccountsState state = context().get(AccountsStore.class).read();
        if (state.accounts().isEmpty()) {
            throw new KimiException(ErrorCode.NO_USABLE_KEYS, "no keys to export");
        }
        char[] password = Passwords.obtain(context().environment(), passwordStdin, true);
        byte[] content;
        try {
            content = new BackupCodec(context().get(Clock.class)).export(state, password, backupFormat);
        } finally {
            Arrays.fill(password, '\0');
        }
        BackupFiles.writeAtomically(file, content, force);
        int n = state.accounts().size();
        context().out().println("Exported " + n + " key" + (n == 1 ? "" : "s") + " to " + file + " (format " + backupFormat.cliName() + ")");
        return 0;
    }
}
