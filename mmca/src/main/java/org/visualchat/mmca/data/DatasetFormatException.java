package org.visualchat.mmca.data;

import java.io.IOException;

/** A dataset file that is missing or whose overall structure is wrong (not one bad item): fatal at open time. */
public final class DatasetFormatException extends IOException {
    public DatasetFormatException(String message) {
        super(message);
    }
}
