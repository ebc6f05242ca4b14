package org.visualchat.tensor.io;

/**
 * The value types of GGUF metadata (ggml {@code docs/gguf.md}, {@code gguf_metadata_value_type}).
 * In Java, every integer type is held as a {@code Long} (UINT64 as raw bits), both float types as a
 * {@code Double}, BOOL as {@code Boolean}, STRING as {@code String}, ARRAY as a {@code List}.
 */
public enum GgufType {
    UINT8(0, 1, 0, 0xFFL),
    INT8(1, 1, Byte.MIN_VALUE, Byte.MAX_VALUE),
    UINT16(2, 2, 0, 0xFFFFL),
    INT16(3, 2, Short.MIN_VALUE, Short.MAX_VALUE),
    UINT32(4, 4, 0, 0xFFFF_FFFFL),
    INT32(5, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
    FLOAT32(6, 4, 0, 0),
    BOOL(7, 1, 0, 0),
    STRING(8, 8, 0, 0),
    ARRAY(9, 12, 0, 0),
    UINT64(10, 8, Long.MIN_VALUE, Long.MAX_VALUE),
    INT64(11, 8, Long.MIN_VALUE, Long.MAX_VALUE),
    FLOAT64(12, 8, 0, 0);

    private final int id;
    private final int minBytes;
    private final long min;
    private final long max;

    GgufType(int id, int minBytes, long min, long max) {
        this.id = id;
        this.minBytes = minBytes;
        this.min = min;
        this.max = max;
    }

    /** The type number stored in the file. */
    public int id() { return id; }

    /** Fewest bytes one value can occupy (the length prefix for strings and arrays); bounds counts before allocating. */
    int minBytes() { return minBytes; }

    public boolean isInteger() { return this != FLOAT32 && this != FLOAT64 && this != BOOL && this != STRING && this != ARRAY; }

    public boolean isFloat() { return this == FLOAT32 || this == FLOAT64; }

    /** Whether an integer fits this type; UINT64 takes any bit pattern. */
    boolean fits(long v) { return v >= min && v <= max; }

    /** The type with file number {@code id}, or null. */
    static GgufType fromId(long id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }
}
