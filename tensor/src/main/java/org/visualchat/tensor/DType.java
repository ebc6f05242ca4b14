package org.visualchat.tensor;

/**
 * Element types. Plain types store one element in {@link #elementBytes()} bytes; the block-quantized
 * types store {@link #blockSize()} elements in {@link #blockBytes()} bytes, laid out exactly as GGUF
 * (ggml-common.h) lays them out, so a mapped GGUF tensor is usable without conversion:
 * <ul>
 *   <li>Q8_0: 34 bytes = f16 scale d, then 32 × int8 q; x = d·q.</li>
 *   <li>Q4_0: 18 bytes = f16 scale d, then 16 bytes; byte j's low nibble is element j, its high nibble
 *       element j+16; x = d·(nibble − 8).</li>
 * </ul>
 * Arithmetic is always done in F32; BF16/F16 are storage formats converted in registers.
 */
public enum DType {
    F32(4, 1, 4, true),
    BF16(2, 1, 2, true),
    F16(2, 1, 2, true),
    I32(4, 1, 4, false),
    I64(8, 1, 8, false),
    Q8_0(0, 32, 34, true),
    Q4_0(0, 32, 18, true);

    private final int elementBytes;
    private final int blockSize;
    private final int blockBytes;
    private final boolean floating;

    DType(int elementBytes, int blockSize, int blockBytes, boolean floating) {
        this.elementBytes = elementBytes;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.floating = floating;
    }

    /** Bytes per element; 0 for block-quantized types (use {@link #byteSize(long)}). */
    public int elementBytes() { return elementBytes; }

    /** Elements per block: 1 for plain types, 32 for Q8_0/Q4_0. */
    public int blockSize() { return blockSize; }

    /** Bytes per block (equals {@link #elementBytes()} for plain types). */
    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    public boolean isFloating() { return floating; }

    /** Bytes needed for {@code numel} elements; quantized types need a whole number of blocks. */
    public long byteSize(long numel) {
        if (numel % blockSize != 0) {
            throw new IllegalArgumentException(this + " needs a multiple of " + blockSize + " elements, got " + numel);
        }
        return numel / blockSize * blockBytes;
    }
}
