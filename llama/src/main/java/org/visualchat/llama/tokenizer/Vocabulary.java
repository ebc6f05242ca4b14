package org.visualchat.llama.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a SentencePiece-style vocabulary: text, score and type per id, plus the lookups the encoder
 * and decoder need. Immutable.
 *
 * <p>As in SentencePiece's {@code model_interface.cc}, NORMAL, USER_DEFINED and UNUSED pieces form the map that
 * BPE merges search ({@link #mergeableId}); UNKNOWN, CONTROL and BYTE pieces are "reserved": looked up first by
 * {@link #pieceToId}, but never produced by a merge.
 */
final class Vocabulary {
    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    private final Map<String, Integer> mergeable = new HashMap<>();
    private final Map<String, Integer> reserved = new HashMap<>();
    private final int[] byteIds = new int[256];
    private final int unkId;

    /**
     * @param source names the file in error messages
     * @throws TokenizerFormatException on an empty or duplicated piece, or not exactly one UNKNOWN piece
     */
    Vocabulary(String source, List<String> pieces, float[] scores, List<PieceType> types)
            throws TokenizerFormatException {
        this.pieces = pieces.toArray(String[]::new);
        this.scores = scores.clone();
        this.types = types.toArray(PieceType[]::new);
        Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < this.pieces.length; id++) {
            String piece = this.pieces[id];
            PieceType type = this.types[id];
            if (piece == null || piece.isEmpty()) {
                throw new TokenizerFormatException(source + ": piece " + id + " is empty");
            }
            Map<String, Integer> map = switch (type) {
                case NORMAL, USER_DEFINED, UNUSED -> mergeable;
                case UNKNOWN, CONTROL, BYTE -> reserved;
            };
            Integer previous = map.putIfAbsent(piece, id);
            if (previous != null) {
                throw new TokenizerFormatException(source + ": piece \"" + piece + "\" appears twice, ids "
                        + previous + " and " + id);
            }
            if (type == PieceType.UNKNOWN) {
                if (unk >= 0) throw new TokenizerFormatException(source + ": two <unk> pieces, ids " + unk + " and " + id);
                unk = id;
            }
            if (type == PieceType.BYTE) {
                int value = byteValue(piece);
                if (value < 0) throw new TokenizerFormatException(source + ": byte piece " + id + " is \"" + piece
                        + "\", expected <0xHH>");
                byteIds[value] = id;
            }
        }
        if (unk < 0) throw new TokenizerFormatException(source + ": the vocabulary has no UNKNOWN (<unk>) piece");
        this.unkId = unk;
    }

    /** The value of a {@code <0xHH>} piece (upper-case hex, as SentencePiece writes it), or -1. */
    static int byteValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        if (hi < 0 || lo < 0 || Character.isLowerCase(piece.charAt(3)) || Character.isLowerCase(piece.charAt(4))) {
            return -1;
        }
        return hi * 16 + lo;
    }

    /** SentencePiece's {@code ByteToPiece}: {@code <0x%02X>}. */
    static String bytePiece(int value) {
        return String.format("<0x%02X>", value);
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        return pieces[id];
    }

    float score(int id) {
        return scores[id];
    }

    PieceType type(int id) {
        return types[id];
    }

    int unkId() {
        return unkId;
    }

    /** Id of the byte piece for {@code value} (0..255), or -1 if the vocabulary lacks it. */
    int byteId(int value) {
        return byteIds[value];
    }

    /** True if all 256 byte pieces exist (a precondition of byte fallback). */
    boolean hasAllBytes() {
        return Arrays.stream(byteIds).allMatch(id -> id >= 0);
    }

    /** True if any byte piece exists (SentencePiece writes all 256 exactly when trained with byte fallback). */
    boolean hasAnyBytes() {
        return Arrays.stream(byteIds).anyMatch(id -> id >= 0);
    }

    /** Id of a piece a merge may produce (NORMAL, USER_DEFINED, UNUSED), or -1. */
    int mergeableId(String piece) {
        Integer id = mergeable.get(piece);
        return id == null ? -1 : id;
    }

    /** SentencePiece's {@code PieceToId}: reserved pieces first, then mergeable ones, else the unknown id. */
    int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) id = mergeable.get(piece);
        return id == null ? unkId : id;
    }

    /** Id of any piece with this exact text, or -1. */
    int find(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) id = mergeable.get(piece);
        return id == null ? -1 : id;
    }
}
