package org.visualchat.llama.tokenizer;

/** Encodes one already-normalised chunk of text (no special tokens inside) into token ids. */
interface TextEncoder {
    void encode(String normalized, IdBuffer out);
}
