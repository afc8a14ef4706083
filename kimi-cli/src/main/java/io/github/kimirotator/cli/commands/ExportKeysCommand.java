package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Passwords;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.backup.BackupCodec;
import io.github.kimirotator.storage.backup.BackupFiles;
import io.github.kimirotator.storage.backup.BackupFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

public final class ExportKeysCommand extends CliCommand {
    private static final String DEFAULT_FILE = "kimi-keys-backup.json.enc";

    @Override
    protected CommandModel model() {
        return command("export-keys", "Write an encrypted backup of the keys, their statistics and the settings.")
                .environment("  " + Passwords.VARIABLE + "  the password (at least 8 characters), when there is",
                        "                         no console and no --password-stdin")
                .parameter("FILE", "0..1", Path.class, Path.of(DEFAULT_FILE),
                        "Target file (default: kimi-keys-backup.json.enc).")
                .flag("--password-stdin", "Read the password from the first line of stdin.")
                .option("--format", "v2|seed", "v2", "v2 (default: Argon2id + AES-GCM) or seed (readable by opencode-kimi-rotator).")
                .flag("--force", "Overwrite an existing file.");
    }

    @Override
    protected int run() {
        Path file = value("FILE");
        boolean passwordStdin = value("--password-stdin");
        String format = value("--format");
        boolean force = value("--force");
        BackupFormat backupFormat = BackupFormat.fromCliName(format);
        if (Files.isDirectory(file)) {
            // --force would not help: a folder is never written over.
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, file + " is a folder: give the backup's file name, e.g. "
                    + file.resolve(DEFAULT_FILE));
        }
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
