package org.visualchat.llama.tokenizer;

import java.io.IOException;

/** A tokenizer file that cannot be used: malformed, inconsistent, or using a feature this reader does not support. */
public final class TokenizerFormatException extends IOException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
