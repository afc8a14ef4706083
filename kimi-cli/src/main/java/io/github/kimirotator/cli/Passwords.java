package io.github.kimirotator.cli;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a backup password comes from (contract section 2): {@code --password-stdin} when given; else a no-echo
 * prompt when there is a console (asked twice when exporting); else {@code KIMI_ROTATOR_PASSWORD}.
 */
public final class Passwords {
    public static final String VARIABLE = "KIMI_ROTATOR_PASSWORD";

    private Passwords() {
    }

    /** The password; the caller wipes the array after use. */
    public static char[] obtain(Environment environment, boolean fromStdin, boolean confirm) {
        if (fromStdin) {
            return readLine(environment);
        }
        if (environment.console().isPresent()) {
            return prompt(environment.console().get(), confirm);
        }
        return environment.variable(VARIABLE).map(String::toCharArray).orElseThrow(() -> new KimiException(
                ErrorCode.BAD_USAGE, "no password: there is no console to ask; use --password-stdin or set " + VARIABLE));
    }

    private static char[] prompt(Environment.PasswordPrompt console, boolean confirm) {
        char[] first = console.ask("Password: ");
        if (first == null || first.length == 0) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "no password was entered");
        }
        if (confirm) {
            char[] second = console.ask("Password again: ");
            boolean same = second != null && Arrays.equals(first, second);
            if (second != null) {
                Arrays.fill(second, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new KimiException(ErrorCode.INVALID_ARGUMENT, "the two passwords do not match");
            }
        }
        return first;
    }

    private static char[] readLine(Environment environment) {
        try {
            Reader reader = new InputStreamReader(environment.in(), StandardCharsets.UTF_8);
            char[] buffer = new char[256];
            int length = 0;
            int c;
            while ((c = reader.read()) != -1 && c != '\n') {
                if (length == buffer.length) {
                    char[] bigger = Arrays.copyOf(buffer, buffer.length * 2);
                    Arrays.fill(buffer, '\0');
                    buffer = bigger;
                }
                buffer[length++] = (char) c;
            }
            if (length > 0 && buffer[length - 1] == '\r') {
                length--;
            }
            char[] password = Arrays.copyOf(buffer, length);
            Arrays.fill(buffer, '\0');
            if (password.length == 0) {
                throw new KimiException(ErrorCode.INVALID_ARGUMENT, "no password was read from stdin");
            }
            return password;
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read the password from stdin: " + io.github.kimirotator.storage.IoErrors.reason(e), e);
        }
    }
}
