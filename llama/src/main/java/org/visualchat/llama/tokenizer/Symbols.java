package org.visualchat.llama.tokenizer;

import java.util.Arrays;

/**
 * The working sequence of a BPE encode: symbol {@code i} covers positions {@code [start(i), end(i))} of the
 * input (UTF-16 indices for SentencePiece, symbol positions for HF), carries a token id (or -1 while it is not
 * a vocabulary piece), and links to its live neighbours. A merge makes the left symbol absorb its right
 * neighbour, which dies.
 */
final class Symbols {
    private int[] start = new int[16];
    private int[] end = new int[16];
    private int[] token = new int[16];
    private boolean[] frozen = new boolean[16];
    private int count;
    private int[] prev;
    private int[] next;
    private boolean[] dead;

    /** Appends a symbol; {@code frozen} symbols (user-defined pieces) never merge. Call before {@link #link}. */
    void add(int startPos, int endPos, int tokenId, boolean isFrozen) {
        if (count == start.length) {
            int capacity = count * 2;
            start = Arrays.copyOf(start, capacity);
            end = Arrays.copyOf(end, capacity);
            token = Arrays.copyOf(token, capacity);
            frozen = Arrays.copyOf(frozen, capacity);
        }
        start[count] = startPos;
        end[count] = endPos;
        token[count] = tokenId;
        frozen[count] = isFrozen;
        count++;
    }

    /** Chains the added symbols left to right; merging may start after this. */
    Symbols link() {
        prev = new int[count];
        next = new int[count];
        dead = new boolean[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        return this;
    }

    int count() {
        return count;
    }

    int start(int i) {
        return start[i];
    }

    int end(int i) {
        return end[i];
    }

    int token(int i) {
        return token[i];
    }

    boolean frozen(int i) {
        return frozen[i];
    }

    boolean alive(int i) {
        return !dead[i];
    }

    int prev(int i) {
        return prev[i];
    }

    /** The next live symbol, or -1 at the end. */
    int next(int i) {
        return next[i];
    }

    /** First live symbol (symbol 0 never dies: only right neighbours are absorbed), or -1 if empty. */
    int first() {
        return count == 0 ? -1 : 0;
    }

    /** Symbol {@code left} absorbs its right neighbour and becomes {@code mergedToken}. */
    void merge(int left, int mergedToken) {
        int right = next[left];
        end[left] = end[right];
        token[left] = mergedToken;
        next[left] = next[right];
        if (next[right] >= 0) prev[next[right]] = left;
        dead[right] = true;
    }
}
