package org.visualchat.tensor.io;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Serialises the value types of {@link Json}; indent &lt; 0 means compact output. */
final class JsonWriter {
    private final int indent;
    private final StringBuilder out = new StringBuilder();

    JsonWriter(int indent) {
        this.indent = indent;
    }

    String write(Object value) {
        value(value, 0);
        return out.toString();
    }

    private void value(Object v, int level) {
        switch (v) {
            case null -> out.append("null");
            case String s -> string(s);
            case Boolean b -> out.append(b);
            case Integer i -> out.append(i);
            case Long l -> out.append(l);
            case Short s -> out.append(s);
            case Byte b -> out.append(b);
            case BigInteger b -> out.append(b);
            case Double d -> finite(d, d);
            case Float f -> finite(f, f);
            case Map<?, ?> m -> object(m, level);
            case List<?> l -> array(l, level);
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private void finite(double check, Object number) {
        if (!Double.isFinite(check)) throw new IllegalArgumentException("JSON has no representation for " + number);
        out.append(number);
    }

    private void object(Map<?, ?> m, int level) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
            if (!first) out.append(',');
            first = false;
            newline(level + 1);
            string(key);
            out.append(indent < 0 ? ":" : ": ");
            value(e.getValue(), level + 1);
        }
        if (!m.isEmpty()) newline(level);
        out.append('}');
    }

    private void array(List<?> l, int level) {
        out.append('[');
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) out.append(',');
            newline(level + 1);
            value(l.get(i), level + 1);
        }
        if (!l.isEmpty()) newline(level);
        out.append(']');
    }

    private void newline(int level) {
        if (indent < 0) return;
        out.append('\n').append(" ".repeat(indent * level));
    }

    /** Escapes what RFC 8259 requires plus lone surrogates (which have no UTF-8 encoding). */
    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                    if (paired) {
                        out.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
