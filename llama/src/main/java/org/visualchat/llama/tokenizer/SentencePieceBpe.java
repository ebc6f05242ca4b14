package org.visualchat.llama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's BPE encoder ({@code bpe_model.cc Model::Encode} plus the output rules of
 * {@code SentencePieceProcessor::Encode}), on normalised text:
 * <ol>
 *   <li>split into symbols: the longest USER_DEFINED piece starting here (frozen: never merged), else one
 *       code point;</li>
 *   <li>merge adjacent symbols whose concatenation is a NORMAL/USER_DEFINED/UNUSED piece, highest piece score
 *       first, leftmost on ties ({@link BpeMerger});</li>
 *   <li>an UNUSED result is split back into the two parts that formed it (recursively);</li>
 *   <li>a symbol that is not a piece is unknown: with byte fallback it becomes its UTF-8 bytes as
 *       {@code <0xHH>} pieces, otherwise {@code <unk>}, with a run of adjacent unknowns giving one
 *       {@code <unk>}.</li>
 * </ol>
 */
final class SentencePieceBpe implements TextEncoder {
    private final Vocabulary vocab;
    private final boolean byteFallback;
    /** USER_DEFINED pieces by first char, longest first (SentencePiece's PrefixMatcher finds the longest). */
    private final Map<Character, List<String>> userDefined = new HashMap<>();

    SentencePieceBpe(Vocabulary vocab, boolean byteFallback) {
        this.vocab = vocab;
        this.byteFallback = byteFallback;
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id) == PieceType.USER_DEFINED) {
                userDefined.computeIfAbsent(vocab.piece(id).charAt(0), c -> new ArrayList<>()).add(vocab.piece(id));
            }
        }
        userDefined.values().forEach(list -> list.sort(Comparator.comparingInt(String::length).reversed()));
    }

    boolean byteFallback() {
        return byteFallback;
    }

    @Override
    public void encode(String text, IdBuffer out) {
        Symbols symbols = split(text).link();
        // piece -> the two parts whose merge produced it; only consulted for UNUSED pieces.
        Map<String, String[]> unusedParts = new HashMap<>();
        BpeMerger.mergeAll(symbols, (s, left, right) -> {
            if (s.frozen(left) || s.frozen(right)) return null;
            String piece = text.substring(s.start(left), s.end(right));
            int id = vocab.mergeableId(piece);
            if (id < 0) return null;
            if (vocab.type(id) == PieceType.UNUSED) {
                unusedParts.put(piece, new String[] {
                        text.substring(s.start(left), s.end(left)), text.substring(s.start(right), s.end(right))});
            }
            return new BpeMerger.Merge(id, vocab.score(id));
        });
        Emitter emitter = new Emitter(out);
        for (int i = symbols.first(); i >= 0; i = symbols.next(i)) {
            resegment(text.substring(symbols.start(i), symbols.end(i)), unusedParts, emitter);
        }
    }

    private Symbols split(String text) {
        Symbols symbols = new Symbols();
        int i = 0;
        while (i < text.length()) {
            String match = longestUserDefined(text, i);
            int end = match != null ? i + match.length() : i + Character.charCount(text.codePointAt(i));
            symbols.add(i, end, -1, match != null);
            i = end;
        }
        return symbols;
    }

    private String longestUserDefined(String text, int at) {
        List<String> candidates = userDefined.get(text.charAt(at));
        if (candidates == null) return null;
        for (String piece : candidates) {
            if (text.startsWith(piece, at)) return piece;
        }
        return null;
    }

    private void resegment(String piece, Map<String, String[]> unusedParts, Emitter emitter) {
        int id = vocab.pieceToId(piece);
        String[] parts = vocab.type(id) == PieceType.UNUSED ? unusedParts.get(piece) : null;
        if (parts == null) {
            emitter.emit(piece, id);
        } else {
            resegment(parts[0], unusedParts, emitter);
            resegment(parts[1], unusedParts, emitter);
        }
    }

    /** The unknown-piece rules of {@code SentencePieceProcessor::Encode}: byte fallback or merged unknowns. */
    private final class Emitter {
        private final IdBuffer out;
        private boolean previousUnknown;

        Emitter(IdBuffer out) {
            this.out = out;
        }

        void emit(String piece, int id) {
            boolean unknown = vocab.type(id) == PieceType.UNKNOWN;
            if (unknown && byteFallback) {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteId = vocab.byteId(b & 0xFF);
                    out.add(byteId >= 0 ? byteId : vocab.unkId());
                }
            } else if (!(unknown && previousUnknown)) {
                out.add(id);
            }
            previousUnknown = unknown;
        }
    }
}
