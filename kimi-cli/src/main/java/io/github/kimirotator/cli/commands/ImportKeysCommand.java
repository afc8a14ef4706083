package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Passwords;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.IoErrors;
import io.github.kimirotator.storage.backup.BackupCodec;
import io.github.kimirotator.storage.backup.BackupMerge;
import io.github.kimirotator.storage.backup.ImportResult;
import io.github.kimirotator.storage.backup.ImportedBackup;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

public final class ImportKeysCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("import-keys",
                "Import keys from a backup, ours or the seed's. Keys already present are skipped; names with control or"
                        + " invisible formatting characters are cleaned and cut to 64 characters. When at least one key is"
                        + " imported, the backup's rotation strategy is restored (as the seed does), unless --keep-settings.",
                "Auto-refresh and cooldown are never taken from a backup.")
                .environment("  " + Passwords.VARIABLE + "  the backup's password, when there is no console",
                        "                         and no --password-stdin")
                .parameter("FILE", "1", Path.class, null, "The backup to read (kimi-rotator's v2 format or the seed's).")
                .flag("--password-stdin", "Read the password from the first line of stdin.")
                .flag("--keep-settings", "Keep our rotation strategy whatever the backup holds.");
    }

    @Override
    protected int run() {
        Path file = value("FILE");
        boolean passwordStdin = value("--password-stdin");
        boolean keepSettings = value("--keep-settings");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + file + ": " + IoErrors.reason(e), e);
        }
        char[] password = Passwords.obtain(context().environment(), passwordStdin, false);
        ImportedBackup backup;
        try {
            backup = new BackupCodec(context().get(Clock.class)).read(bytes, password, file.toString());
        } finally {
            Arrays.fill(password, '\0');
        }
        StrategyRegistry registry = context().get(StrategyRegistry.class);
        ImportResult[] result = new ImportResult[1];
        String[] notInstalled = new String[1];
        String[] kept = new String[1];
        context().get(AccountsStore.class).update(current -> {
            result[0] = BackupMerge.merge(current, backup, keepSettings);
            AccountsState merged = result[0].state();
            notInstalled[0] = null;
            if (result[0].restoredStrategy() != null && !registry.names().contains(merged.effectiveStrategy())) {
                notInstalled[0] = merged.effectiveStrategy();
                kept[0] = current.effectiveStrategy();
                merged = merged.withStrategy(current.effectiveStrategy());
            }
            return merged;
        });
        ImportResult done = result[0];
        done.rejected().forEach(r -> context().err().println("warning: not imported: " + r));
        PrintStream out = context().out();
        out.println("imported " + done.imported() + ", skipped " + done.skipped() + " duplicates");
        if (done.cleaned() > 0) {
            out.println("cleaned " + done.cleaned() + (done.cleaned() == 1 ? " name" : " names")
                    + ": control and invisible formatting characters removed, cut to " + Names.MAX_LENGTH + " characters");
        }
        if (notInstalled[0] != null) {
            context().err().println("warning: the backup's strategy '" + Names.escape(notInstalled[0])
                    + "' is not installed; keeping " + kept[0]);
        } else if (done.restoredStrategy() != null) {
            out.println("restored rotation strategy: " + done.restoredStrategy());
        } else if (keepSettings) {
            out.println("kept our settings (--keep-settings)");
        }
        return 0;
    }
}
