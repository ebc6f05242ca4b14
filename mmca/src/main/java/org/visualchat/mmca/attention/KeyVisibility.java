package org.visualchat.mmca.attention;

/**
 * The one place that says which key a query sees in which softmax branch, from the token codes alone
 * (0 pad, 1 text, 2 image). The reference (§2.1) builds two additive masks per branch and adds them:
 * a causal mask C (0 for key ≤ query, else μ = finfo(fp32).min) and a modality mask A (0 where the key
 * has the branch's code, else μ; for an image query, when query length == key length, the image
 * branch's row is μ except 0 on the diagonal). Their sum is 0 (visible), μ (exactly one term is μ:
 * "wrong modality but past" or "right modality but future") or −∞ (both μ, overflow). Scores are O(1),
 * so score + μ rounds to μ: a branch with a visible key is a softmax over the visible keys only, and a
 * branch without one is the uniform average over its μ keys ({@link #FALLBACK}).
 */
final class KeyVisibility {
    private KeyVisibility() {}

    static final int HIDDEN = 0;
    static final int VISIBLE = 1;
    static final int FALLBACK = 2;

    /** A softmax branch: which key code it collects (−1: any non-pad key, the plain causal path). */
    enum Branch {
        IMAGE(2), TEXT(1), ANY(-1);

        final int code;

        Branch(int code) {
            this.code = code;
        }

        boolean accepts(int keyCode) {
            return code < 0 ? keyCode > 0 : keyCode == code;
        }
    }

    static final Branch[] MMCA_BRANCHES = {Branch.IMAGE, Branch.TEXT};
    static final Branch[] CAUSAL_BRANCHES = {Branch.ANY};

    static Branch[] branches(MmcaMode mode) {
        return mode == MmcaMode.CAUSAL ? CAUSAL_BRANCHES : MMCA_BRANCHES;
    }

    /**
     * Whether an image query sees only itself in the image branch. The reference applies this override
     * only when query length == key length (training, generation prefill); strict applies it whenever
     * the query is an image token, so a chunked prefill keeps training semantics (§2.4).
     */
    static boolean imageSelfOnly(MmcaMode mode, int queryCode, int queries, int keys) {
        if (queryCode != 2) return false;
        return switch (mode) {
            case REFERENCE -> queries == keys;
            case STRICT -> true;
            case CAUSAL -> false;
        };
    }

    /**
     * Class of key {@code key} for the query at absolute position {@code query} in {@code branch}.
     * With a KV cache a query's absolute position is (keys − queries + its index); the reference builds
     * no causal mask for a single decode query, which is the same as "key ≤ query" there.
     */
    static int classify(int[] codes, int query, int key, Branch branch, boolean imageSelfOnly) {
        boolean modality = imageSelfOnly && branch == Branch.IMAGE ? key == query : branch.accepts(codes[key]);
        boolean past = key <= query;
        if (modality && past) return VISIBLE;
        return modality != past ? FALLBACK : HIDDEN;
    }

    /**
     * Whether reference rows [0, common) of a cache over {@code cached} (row p computed in a pass over keys
     * [0, passEnd[p])) equal their values in one pass over {@code next}; see {@code MmcaAttention.reusablePrefix}.
     * No image may come after {@code common} (its row needs the whole-pass image rule), and a row whose branch has
     * no visible key (it averages that branch's later keys) must find the same later keys of that modality:
     * none that it did not read, none that it read and {@code next} drops.
     */
    static boolean referenceRowsStay(int[] cached, int[] passEnd, int[] next, int common) {
        if (has(next, common, next.length, Branch.IMAGE)) return false;
        for (Branch branch : MMCA_BRANCHES) {
            boolean visible = false;
            for (int q = 0; q < common; q++) {
                visible |= branch.accepts(next[q]);
                if (visible || (branch == Branch.IMAGE && next[q] == 2)) continue;   // an image row sees itself (whole pass)
                if (has(cached, common, passEnd[q], branch) || has(next, Math.min(passEnd[q], common), next.length, branch)) return false;
            }
        }
        return true;
    }

    private static boolean has(int[] codes, int from, int to, Branch branch) {
        for (int j = from; j < to; j++) if (branch.accepts(codes[j])) return true;
        return false;
    }

    /**
     * Per sample and branch, 0 for keys of the branch's modality and −∞ for the others (and for the
     * padding up to {@code paddedKeys}). For a query without the image-self-only override, key j is
     * {@link #VISIBLE} exactly when j ≤ query and its entry is 0: what the vector kernel reads instead
     * of calling {@link #classify} per key.
     */
    static float[][][] hiddenKeys(int[][] codes, Branch[] branches, int paddedKeys) {
        float[][][] out = new float[codes.length][branches.length][paddedKeys];
        for (int b = 0; b < codes.length; b++) {
            for (int n = 0; n < branches.length; n++) {
                java.util.Arrays.fill(out[b][n], Float.NEGATIVE_INFINITY);
                for (int j = 0; j < codes[b].length; j++) if (branches[n].accepts(codes[b][j])) out[b][n][j] = 0;
            }
        }
        return out;
    }

    /** A {@link #hiddenKeys} row that shows no key: the stand-in for a branch a row handles apart (self-only, fallback) or lacks. */
    static float[] noKeys(int paddedKeys) {
        float[] out = new float[paddedKeys];
        java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
        return out;
    }
}
