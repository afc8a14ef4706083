package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.Passwords;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.backup.BackupCodec;
import io.github.kimirotator.storage.backup.BackupMerge;
import io.github.kimirotator.storage.backup.ImportResult;
import io.github.kimirotator.storage.backup.ImportedBackup;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import-keys", description = "Import keys from a backup (ours or the seed's); keys already present are skipped.")
public final class ImportKeysCommand extends CliCommand {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--password-stdin", description = "Read the password from the first line of stdin.")
    boolean passwordStdin;

    @Override
    protected int run() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
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
        String[] kept = new String[1];
        context().get(AccountsStore.class).update(current -> {
            result[0] = BackupMerge.merge(current, backup);
            AccountsState merged = result[0].state();
            if (!registry.names().contains(merged.effectiveStrategy())) {
                kept[0] = merged.effectiveStrategy();
                merged = merged.withStrategy(current.effectiveStrategy());
            }
            return merged;
        });
        if (kept[0] != null) {
            context().err().println("warning: the backup's strategy '" + kept[0] + "' is not installed; keeping "
                    + context().get(AccountsStore.class).read().effectiveStrategy());
        }
        result[0].rejected().forEach(r -> context().err().println("warning: not imported: " + r));
        context().out().println("imported " + result[0].imported() + ", skipped " + result[0].skipped() + " duplicates");
        return 0;
    }
}
