package org.visualchat.tensor.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One typed GGUF metadata value. The constructor normalises and range-checks the Java value (see
 * {@link GgufType}), so a value that exists is always writable, and FLOAT32 values are rounded to
 * float once so that writing and reading back compare equal.
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {
    public GgufValue {
        if (type == GgufType.ARRAY) {
            if (elementType == null || elementType == GgufType.ARRAY) throw new IllegalArgumentException("GGUF arrays need a non-array element type, got " + elementType);
            if (!(value instanceof List<?> list)) throw new IllegalArgumentException("GGUF array value must be a List, got " + value);
            List<Object> normalised = new ArrayList<>(list.size());
            for (Object v : list) normalised.add(normalise(elementType, v));
            value = Collections.unmodifiableList(normalised);
        } else {
            if (elementType != null) throw new IllegalArgumentException("only arrays have an element type");
            value = normalise(type, value);
        }
    }

    public static GgufValue of(GgufType type, Object value) { return new GgufValue(type, null, value); }

    public static GgufValue array(GgufType elementType, List<?> values) { return new GgufValue(GgufType.ARRAY, elementType, values); }

    public static GgufValue string(String s) { return of(GgufType.STRING, s); }

    public static GgufValue u32(long v) { return of(GgufType.UINT32, v); }

    public static GgufValue i32(int v) { return of(GgufType.INT32, v); }

    public static GgufValue u64(long v) { return of(GgufType.UINT64, v); }

    public static GgufValue f32(float v) { return of(GgufType.FLOAT32, v); }

    public static GgufValue bool(boolean v) { return of(GgufType.BOOL, v); }

    public long asLong() { return (Long) requireType(type.isInteger(), "an integer"); }

    public double asDouble() { return (Double) requireType(type.isFloat(), "a float"); }

    public String asString() { return (String) requireType(type == GgufType.STRING, "a string"); }

    public boolean asBoolean() { return (Boolean) requireType(type == GgufType.BOOL, "a bool"); }

    @SuppressWarnings("unchecked")
    public List<Object> asList() { return (List<Object>) requireType(type == GgufType.ARRAY, "an array"); }

    private Object requireType(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("GGUF value of type " + type + " is not " + what);
        return value;
    }

    private static Object normalise(GgufType type, Object v) {
        switch (type) {
            case STRING -> {
                if (v instanceof String) return v;
            }
            case BOOL -> {
                if (v instanceof Boolean) return v;
            }
            case FLOAT32 -> {
                if (v instanceof Number n) return (double) n.floatValue();
            }
            case FLOAT64 -> {
                if (v instanceof Number n) return n.doubleValue();
            }
            default -> {
                if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                    long l = ((Number) v).longValue();
                    if (!type.fits(l)) throw new IllegalArgumentException(l + " does not fit GGUF type " + type);
                    return l;
                }
            }
        }
        throw new IllegalArgumentException("GGUF type " + type + " cannot hold " + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    }
}
