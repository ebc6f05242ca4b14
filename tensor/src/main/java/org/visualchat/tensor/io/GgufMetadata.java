package org.visualchat.tensor.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The key–value metadata of a GGUF file with typed getters whose errors name the file and key.
 * Integer getters accept any integer type, since writers differ (formats.md §1.5: llama.cpp writes
 * u32 for most {@code llama.*} ints; readers must accept u32/u64/i32).
 */
public final class GgufMetadata {
    private final String source;
    private final Map<String, GgufValue> values;

    GgufMetadata(String source, Map<String, GgufValue> values) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Keys in file order. */
    public Set<String> keys() { return values.keySet(); }

    public Map<String, GgufValue> asMap() { return values; }

    public boolean contains(String key) { return values.containsKey(key); }

    public GgufValue get(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw new IllegalArgumentException(source + ": missing GGUF metadata key '" + key + "'");
        return v;
    }

    public long getLong(String key) { return typed(key, GgufType::isInteger, "an integer").asLong(); }

    public long getLong(String key, long fallback) { return contains(key) ? getLong(key) : fallback; }

    public double getDouble(String key) { return typed(key, GgufType::isFloat, "a float").asDouble(); }

    public double getDouble(String key, double fallback) { return contains(key) ? getDouble(key) : fallback; }

    public String getString(String key) { return typed(key, t -> t == GgufType.STRING, "a string").asString(); }

    public boolean getBoolean(String key, boolean fallback) {
        return contains(key) ? typed(key, t -> t == GgufType.BOOL, "a bool").asBoolean() : fallback;
    }

    public List<Object> getList(String key) { return typed(key, t -> t == GgufType.ARRAY, "an array").asList(); }

    private GgufValue typed(String key, java.util.function.Predicate<GgufType> ok, String what) {
        GgufValue v = get(key);
        if (!ok.test(v.type())) throw new IllegalArgumentException(source + ": GGUF metadata key '" + key + "' is " + v.type() + ", expected " + what);
        return v;
    }
}
