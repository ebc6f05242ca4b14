package org.visualchat.tensor.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** One-line error messages for the user: the command line's and the chat prompt's. */
public final class FileErrors {
    private FileErrors() {}

    /**
     * The exception's message, except where it is a java.nio.file exception's bare path (theirs carry no reason
     * unless the OS gave one; commands often rethrow them wrapped, with the same message): then the path and what is wrong with it.
     */
    public static String message(Throwable e) {
        String message = e.getMessage();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof FileSystemException f && f.getReason() == null && f.getMessage().equals(message)) {
                return f.getMessage() + ": " + problem(f);
            }
        }
        return message;
    }

    private static String problem(FileSystemException f) {
        return switch (f) {
            case NoSuchFileException x -> "no such file or directory";
            case FileAlreadyExistsException x -> f.getFile() == null || Files.isDirectory(Path.of(f.getFile())) ? "already exists" : "exists and is not a directory";
            case NotDirectoryException x -> "not a directory";
            case AccessDeniedException x -> "permission denied";
            case DirectoryNotEmptyException x -> "directory not empty";
            default -> f.getClass().getSimpleName();
        };
    }
}
