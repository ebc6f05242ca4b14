package org.visualchat.mmca.attention;

import java.util.Locale;

/**
 * Which keys each query may attend to, decided from the per-token codes (0 pad, 1 text, 2 image).
 * Reference §2 (deepspeed-visualchat.md); the exact rules live in {@link KeyVisibility}.
 */
public enum MmcaMode {
    /**
     * The original's fp32 arithmetic: image-key and text-key softmaxes summed (rows sum to 2), image
     * queries see only themselves in the image branch when query length == key length, and a branch
     * with no visible key falls back to a uniform average over the keys whose additive mask is exactly
     * {@code finfo.min} (which includes future keys: the reference's backward leak, §2.5.1).
     */
    REFERENCE,
    /** Like {@link #REFERENCE} but a branch with no visible key contributes zero, and no future key is ever read. */
    STRICT,
    /** One causal softmax over every non-pad key (the original without {@code --enable_mmca_attention}); ablation. */
    CAUSAL;

    /** Parses {@code reference}, {@code strict} or {@code causal} (any case), naming the bad value otherwise. */
    public static MmcaMode parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown MMCA mode '" + name + "' (expected reference, strict or causal)");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
