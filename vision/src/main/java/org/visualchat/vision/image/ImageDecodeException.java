package org.visualchat.vision.image;

import java.io.IOException;

/** An image file that is missing, unreadable, corrupt, truncated, too large or of an unsupported format. */
public final class ImageDecodeException extends IOException {
    private final String file;

    ImageDecodeException(String file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    ImageDecodeException(String file, String reason) {
        this(file, reason, null);
    }

    /** The file (or caller-supplied name) that failed. */
    public String file() { return file; }
}
