package io.github.kimirotator.storage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One-line, user-facing descriptions of I/O failures (Java's messages are often just a path, or start with a
 * capital letter taken from the C library: "Is a directory").
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** What went wrong, in lower case, naming the file when the exception knows it. */
    public static String describe(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied on " + a.getFile();
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof NotDirectoryException n) {
            return "not a directory: " + n.getFile();
        }
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return reason(e) + " (" + f.getFile() + ")";
        }
        return reason(e);
    }

    /** What went wrong, in lower case, without the file (for messages that name it already). */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() == null ? "i/o error" : lowerFirst(f.getReason());
        }
        return e.getMessage() == null ? "i/o error" : lowerFirst(e.getMessage());
    }

    /** "Is a directory" becomes "is a directory"; "UTF-8 ..." and other capitalised words stay. */
    public static String lowerFirst(String message) {
        if (message.length() > 1 && Character.isUpperCase(message.charAt(0)) && Character.isLowerCase(message.charAt(1))) {
            return Character.toLowerCase(message.charAt(0)) + message.substring(1);
        }
        return message;
    }
}
