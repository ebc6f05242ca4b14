package org.visualchat.llama.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.function.IntFunction;

/**
 * Ids back to text with SentencePiece's rules ({@code SentencePieceProcessor::Decode}, 0.1.97):
 * CONTROL pieces vanish; {@code <unk>} prints the model's {@code unk_surface} (" ⁇ "); runs of byte pieces are
 * gathered and read as UTF-8, each byte that does not start a valid sequence becoming U+FFFD; "▁" becomes a
 * space; and the leading "▁" of the first visible piece is dropped when it stands for the dummy prefix.
 * Ids past the SentencePiece vocabulary (tokens added on top, e.g. {@code <image>}) print their own text.
 */
final class PieceDecoder {
    private final Vocabulary vocab;
    private final String unkSurface;
    private final boolean stripsDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final IntFunction<String> addedTokenText;
    private final int size;

    /**
     * @param addedTokenText text of an id at or past {@code vocab.size()}, or null when no such id exists
     * @param size           total number of ids (vocabulary plus added tokens)
     */
    PieceDecoder(Vocabulary vocab, String unkSurface, Normalizer normalizer, IntFunction<String> addedTokenText,
                 int size) {
        this.vocab = vocab;
        this.unkSurface = unkSurface;
        this.stripsDummyPrefix = normalizer.addDummyPrefix() || normalizer.removeExtraWhitespaces();
        this.removeExtraWhitespaces = normalizer.removeExtraWhitespaces();
        this.addedTokenText = addedTokenText;
        this.size = size;
    }

    String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // The first visible piece may start with the dummy-prefix "▁"; SentencePiece drops it once. It stops
        // looking for good as soon as some text was produced or a "▁" was consumed by the previous piece.
        boolean atStart = true;
        boolean bosWhitespaceSeen = false;
        for (int id : ids) {
            if (id < 0 || id >= size) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + size + ")");
            }
            if (id < vocab.size() && vocab.type(id) == PieceType.BYTE) {
                bytes.write(Vocabulary.byteValue(vocab.piece(id)));
                continue;
            }
            appendUtf8(bytes, text);
            if (bosWhitespaceSeen || !text.isEmpty()) atStart = false;
            bosWhitespaceSeen = false;
            if (id >= vocab.size()) {
                text.append(addedTokenText.apply(id));
                continue;
            }
            switch (vocab.type(id)) {
                case CONTROL -> { }
                case UNKNOWN -> text.append(unkSurface);
                default -> {
                    String piece = vocab.piece(id);
                    if (atStart && stripsDummyPrefix && piece.charAt(0) == Normalizer.SPACE_SYMBOL) {
                        piece = piece.substring(1);
                        bosWhitespaceSeen = !removeExtraWhitespaces;
                    }
                    text.append(piece.replace(Normalizer.SPACE_SYMBOL, ' '));
                }
            }
        }
        appendUtf8(bytes, text);
        return text.toString();
    }

    /**
     * Decodes gathered bytes as {@code DecodeUTF8} in SentencePiece's util.h does: a sequence is accepted only if
     * complete, not overlong and not a surrogate or above U+10FFFF; otherwise one byte becomes U+FFFD.
     */
    private static void appendUtf8(ByteArrayOutputStream buffer, StringBuilder text) {
        if (buffer.size() == 0) return;
        byte[] b = buffer.toByteArray();
        buffer.reset();
        int i = 0;
        while (i < b.length) {
            int lead = b[i] & 0xFF;
            int length = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
            int codePoint = decode(b, i, length);
            if (codePoint < 0) {
                text.append('\uFFFD');
                i++;
            } else {
                text.appendCodePoint(codePoint);
                i += length;
            }
        }
    }

    private static int decode(byte[] b, int at, int length) {
        if (length == 0 || at + length > b.length) return -1;
        if (length == 1) return b[at];
        int codePoint = b[at] & (0x7F >> length);
        for (int k = 1; k < length; k++) {
            if ((b[at + k] & 0xC0) != 0x80) return -1;
            codePoint = (codePoint << 6) | (b[at + k] & 0x3F);
        }
        int minimum = switch (length) {
            case 2 -> 0x80;
            case 3 -> 0x800;
            default -> 0x10000;
        };
        boolean valid = codePoint >= minimum && codePoint <= 0x10FFFF && (codePoint < 0xD800 || codePoint >= 0xE000);
        return valid ? codePoint : -1;
    }
}
