package io.github.kimirotator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Configures SLF4J's simple logger from {@code <dist>/conf/simplelogger.properties} through system
 * properties, before the first logger exists. The class path stays jars only (a requirement of class-data
 * sharing archives), so the file is not read from the class path.
 */
final class LoggingSetup {
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private LoggingSetup() {
    }

    static void configure(String distHome, boolean verbose) {
        if (distHome != null && !distHome.isBlank()) {
            Path file = Path.of(distHome, "conf", "simplelogger.properties");
            if (Files.isRegularFile(file)) {
                Properties properties = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    properties.load(in);
                } catch (IOException e) {
                    System.err.println("warning: cannot read " + file + ": " + e.getMessage());
                }
                for (String name : properties.stringPropertyNames()) {
                    if (name.startsWith(PREFIX) && System.getProperty(name) == null) {
                        System.setProperty(name, properties.getProperty(name));
                    }
                }
            }
        }
        System.setProperty(PREFIX + "logFile", System.getProperty(PREFIX + "logFile", "System.err"));
        if (verbose) {
            System.setProperty(PREFIX + "defaultLogLevel", "debug");
        }
    }
}
