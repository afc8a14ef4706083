package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.proxy.ServeFile;
import java.util.Optional;

public final class StopCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("stop", "Stop the proxy that serves this accounts file (the one serve.json names).");
    }

    @Override
    protected int run() throws InterruptedException {
        BackgroundProxy proxies = new BackgroundProxy(context());
        Optional<ServeFile.Info> info = proxies.serveFile();
        if (info.isPresent() && proxies.stop(info.get())) {
            context().out().println("Stopped the proxy at " + info.get().url() + " (pid " + info.get().pid() + ")");
        } else {
            context().out().println("No proxy is running for " + context().get(io.github.kimirotator.storage.ConfigPaths.class).accountsFile());
        }
        return 0;
    }
}
