package org.visualchat.mmca.data;

/** A sample that cannot be used, with the reason it is counted under and a message naming the file/field/value. */
public final class BadSampleException extends Exception {
    private final SkipReason reason;

    public BadSampleException(SkipReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BadSampleException(SkipReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public SkipReason reason() {
        return reason;
    }
}
