package org.visualchat.opencl;

/** Which elements RoPE rotates together. */
public enum RopeLayout {
    /** HF rotate_half: pairs (i, i + D/2). */
    HALF,
    /** Meta / GGUF: pairs (2i, 2i + 1). */
    INTERLEAVED
}
