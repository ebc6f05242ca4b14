package org.visualchat.llama.tokenizer;

/** Kinds of vocabulary entries, as SentencePiece's {@code ModelProto.SentencePiece.Type} defines them. */
public enum PieceType {
    /** An ordinary piece that BPE merges can produce. */
    NORMAL,
    /** The single {@code <unk>} piece. */
    UNKNOWN,
    /** Invisible markers such as {@code <s>} and {@code </s>}: never produced from text, decoded to "". */
    CONTROL,
    /** Pieces always cut out of the text as one symbol (never merged with neighbours). */
    USER_DEFINED,
    /** Pieces the encoder may use as merge steps but must not emit; they are split back into their parts. */
    UNUSED,
    /** {@code <0x00>}..{@code <0xFF>}: one UTF-8 byte, used for characters outside the vocabulary. */
    BYTE
}
