package io.github.kimirotator.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build). */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = KimiRotatorCli.class.getPackage().getImplementationVersion();
        return new String[] {"kimi-rotator " + (version == null ? "dev" : version)};
    }
}
