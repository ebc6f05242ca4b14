package org.visualchat.tensor.io;

/** Malformed JSON; the message says where (line, column, character offset) and what was expected. */
public final class JsonException extends IllegalArgumentException {
    private final long offset;

    JsonException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    /** Character offset (or byte offset, for UTF-8 errors) at which the input went wrong. */
    public long offset() { return offset; }
}
