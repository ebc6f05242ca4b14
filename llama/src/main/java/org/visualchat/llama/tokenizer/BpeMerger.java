package org.visualchat.llama.tokenizer;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The BPE merge loop shared by SentencePiece ({@code bpe_model.cc}) and HF tokenizers ({@code word.rs}):
 * symbols form a doubly linked list; every adjacent pair that some rule can merge sits in a priority queue
 * (the "agenda"); the best pair is popped, merged, and the two new pairs it forms with its neighbours are
 * pushed. Entries made stale by earlier merges are skipped when popped. O(n log n) for n symbols.
 *
 * <p>Order: highest {@link Merge#priority} first; ties go to the leftmost pair (smaller left index), as in
 * both references. SentencePiece's priority is the merged piece's score; HF's is minus the merge's rank.
 *
 * <p>Staleness: SentencePiece skips an entry when either symbol was emptied or when the two symbols' lengths
 * no longer add up to the length recorded at push time; because symbols only ever grow by absorbing their
 * right neighbour, that is exactly "both symbols still exist, are still adjacent, and are unchanged", which
 * is what {@link #isCurrent} checks. (HF re-checks that the current pair still maps to the same new token; for
 * a vocabulary whose merge results are the concatenation of their parts, the two checks agree.)
 */
final class BpeMerger {
    /** A merge rule's answer for one adjacent pair: the token it becomes and how urgently. */
    record Merge(int token, double priority) {}

    /** Looks up whether two adjacent symbols can merge. */
    interface Rules {
        /** The merge for symbols {@code left} and {@code right} (adjacent in {@code symbols}), or null. */
        Merge find(Symbols symbols, int left, int right);
    }

    private record Entry(int left, int right, int rightEnd, double priority, int token) {}

    private static final Comparator<Entry> BEST_FIRST =
            Comparator.comparingDouble(Entry::priority).reversed().thenComparingInt(Entry::left);

    private BpeMerger() {}

    /** Applies merges until no adjacent pair can merge; {@code symbols} is updated in place. */
    static void mergeAll(Symbols symbols, Rules rules) {
        PriorityQueue<Entry> agenda = new PriorityQueue<>(Math.max(1, symbols.count()), BEST_FIRST);
        for (int i = 1; i < symbols.count(); i++) offer(agenda, symbols, rules, i - 1, i);
        while (!agenda.isEmpty()) {
            Entry top = agenda.poll();
            if (!isCurrent(symbols, top)) continue;
            symbols.merge(top.left(), top.token());
            offer(agenda, symbols, rules, symbols.prev(top.left()), top.left());
            offer(agenda, symbols, rules, top.left(), symbols.next(top.left()));
        }
    }

    private static boolean isCurrent(Symbols symbols, Entry entry) {
        return symbols.alive(entry.left()) && symbols.alive(entry.right())
                && symbols.next(entry.left()) == entry.right() && symbols.end(entry.right()) == entry.rightEnd();
    }

    private static void offer(PriorityQueue<Entry> agenda, Symbols symbols, Rules rules, int left, int right) {
        if (left < 0 || right < 0) return;
        Merge merge = rules.find(symbols, left, right);
        if (merge != null) {
            agenda.add(new Entry(left, right, symbols.end(right), merge.priority(), merge.token()));
        }
    }
}
