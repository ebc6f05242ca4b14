package org.visualchat.tensor.io;

import org.visualchat.tensor.DType;

/** ggml tensor type numbers ({@code enum ggml_type} in ggml.h; formats.md §1.5) and which we map to a {@link DType}. */
final class GgmlTypes {
    private GgmlTypes() {}

    /** Names by type number, for error messages; null where ggml has retired the number. */
    private static final String[] NAMES = {
        "F32", "F16", "Q4_0", "Q4_1", null, null, "Q5_0", "Q5_1", "Q8_0", "Q8_1",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
        "BF16", null, null, null, "TQ1_0", "TQ2_0", null, null, null, "MXFP4",
    };

    static int id(DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 8;
            case I32 -> 26;
            case I64 -> 27;
            case BF16 -> 30;
        };
    }

    /** The dtype stored under ggml type number {@code id}, or null when we do not support it. */
    static DType dtype(long id) {
        for (DType d : DType.values()) if (id(d) == id) return d;
        return null;
    }

    static String name(long id) {
        return id >= 0 && id < NAMES.length && NAMES[(int) id] != null ? NAMES[(int) id] : "unknown";
    }
}
