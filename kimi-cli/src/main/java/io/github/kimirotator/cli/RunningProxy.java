package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.storage.ConfigPaths;
import java.net.URI;
import java.nio.file.Path;

/** The proxy that serves this accounts file, as its {@code serve.json} tells. */
public final class RunningProxy {
    private RunningProxy() {
    }

    /**
     * The URL of the proxy whose {@code serve.json} is in the own folder of {@code paths}, if its process is alive;
     * messages name the command as {@code programName} ({@code kimi-rotator} or the seed's {@code opencode-kimi}).
     * Creates nothing.
     *
     * @throws KimiException {@code NO_RUNNING_PROXY} saying what to do when there is none
     */
    public static URI url(ConfigPaths paths, String programName) {
        Path ownDir = paths.ownDirPath();
        ServeFile.Info info = ServeFile.read(ownDir).orElseThrow(() -> notRunning(paths, programName, "", true));
        if (ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return info.url();
        }
        throw notRunning(paths, programName, " (pid " + info.pid() + " in " + ServeFile.path(ownDir) + " has ended)", true);
    }

    /**
     * The one message of every command that needs a running proxy and finds none ({@code status}, {@code watch},
     * {@code config}): {@code no proxy is running for FILE; start one with 'kimi-rotator start'}, plus
     * {@code or pass --url} for the commands that take it.
     */
    public static KimiException notRunning(ConfigPaths paths, String programName, String detail, boolean takesUrl) {
        return new KimiException(ErrorCode.NO_RUNNING_PROXY, "no proxy is running for " + paths.accountsFile() + detail
                + "; start one with '" + programName + " start'" + (takesUrl ? " or pass --url" : ""));
    }
}
