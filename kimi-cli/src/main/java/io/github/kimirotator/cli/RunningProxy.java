package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.proxy.ServeFile;
import java.net.URI;
import java.nio.file.Path;

/** The proxy that serves this accounts file, as its {@code serve.json} tells. */
public final class RunningProxy {
    private RunningProxy() {
    }

    /**
     * The URL of the proxy whose {@code serve.json} is in {@code ownDir}, if its process is alive; messages name
     * the command as {@code programName} ({@code kimi-rotator} or the seed's {@code opencode-kimi}).
     *
     * @throws KimiException {@code NO_RUNNING_PROXY} saying what to do when there is none
     */
    public static URI url(Path ownDir, String programName) {
        ServeFile.Info info = ServeFile.read(ownDir).orElseThrow(() -> new KimiException(ErrorCode.NO_RUNNING_PROXY,
                "no running proxy found (" + ServeFile.path(ownDir) + " is missing); start one with '" + programName + " serve' or pass --url"));
        if (ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return info.url();
        }
        throw new KimiException(ErrorCode.NO_RUNNING_PROXY, "no running proxy found (process " + info.pid()
                + " from " + ServeFile.path(ownDir) + " has ended); start one with '" + programName + " serve' or pass --url");
    }
}
