package org.visualchat.llama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * HF tokenizers' BPE model ({@code models/bpe/model.rs merge_word} and {@code word.rs merge_all}) on one
 * normalised chunk, for LLaMA-style {@code tokenizer.json} files (no pre-tokenizer, so the chunk is one word):
 * <ol>
 *   <li>each code point becomes its vocabulary id; a character outside the vocabulary becomes its UTF-8 bytes
 *       as {@code <0xHH>} tokens when {@code byte_fallback} is on and all of them exist, else {@code unk_token}
 *       (adjacent unknowns fused into one when {@code fuse_unk});</li>
 *   <li>adjacent pairs listed in {@code merges} merge, lowest rank first, leftmost on ties
 *       ({@link BpeMerger} with priority = -rank).</li>
 * </ol>
 * With {@code ignore_merges}, a chunk that is itself a vocabulary entry is emitted whole.
 */
final class HfBpe implements TextEncoder {
    /** A merge rule: the pair's rank in {@code merges} and the id of the merged token. */
    record Rule(int rank, int mergedId) {}

    private final Map<String, Integer> vocab;
    private final Map<Long, Rule> merges;
    private final int unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256];

    /**
     * @param merges keyed by {@link #pairKey}
     * @param unkId id of {@code unk_token}, or -1 if the model has none (unknown characters are then dropped,
     *              as HF does)
     */
    HfBpe(Map<String, Integer> vocab, Map<Long, Rule> merges, int unkId, boolean byteFallback, boolean fuseUnk,
          boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(Vocabulary.bytePiece(b), -1);
    }

    static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public void encode(String text, IdBuffer out) {
        if (text.isEmpty()) return;
        if (ignoreMerges && vocab.containsKey(text)) {
            out.add(vocab.get(text));
            return;
        }
        Symbols symbols = initialSymbols(text).link();
        BpeMerger.mergeAll(symbols, (s, left, right) -> {
            Rule rule = merges.get(pairKey(s.token(left), s.token(right)));
            return rule == null ? null : new BpeMerger.Merge(rule.mergedId(), -rule.rank());
        });
        for (int i = symbols.first(); i >= 0; i = symbols.next(i)) out.add(symbols.token(i));
    }

    private Symbols initialSymbols(String text) {
        Symbols symbols = new Symbols();
        boolean pendingUnknown = false;
        for (int i = 0; i < text.length(); ) {
            int end = i + Character.charCount(text.codePointAt(i));
            String character = text.substring(i, end);
            i = end;
            Integer id = vocab.get(character);
            if (id != null) {
                if (pendingUnknown) symbols.add(symbols.count(), symbols.count() + 1, unkId, false);
                pendingUnknown = false;
                symbols.add(symbols.count(), symbols.count() + 1, id, false);
            } else if (byteFallback && allBytesKnown(character)) {
                // merge_word `continue`s here without flushing a pending unknown; kept for fidelity.
                for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(symbols.count(), symbols.count() + 1, byteIds[b & 0xFF], false);
                }
            } else if (unkId >= 0) {
                if (pendingUnknown && !fuseUnk) symbols.add(symbols.count(), symbols.count() + 1, unkId, false);
                pendingUnknown = true;
            }
        }
        if (pendingUnknown) symbols.add(symbols.count(), symbols.count() + 1, unkId, false);
        return symbols;
    }

    private boolean allBytesKnown(String character) {
        for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
            if (byteIds[b & 0xFF] < 0) return false;
        }
        return true;
    }
}
