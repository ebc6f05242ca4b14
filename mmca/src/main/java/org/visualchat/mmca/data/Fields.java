package org.visualchat.mmca.data;

import java.util.List;
import java.util.Map;

/**
 * Typed access to fields of parsed JSON annotations ({@link org.visualchat.tensor.io.Json}: objects are maps,
 * arrays lists, integers {@code Long}). A missing or mistyped field is a {@link BadSampleException} of
 * {@link SkipReason#MALFORMED_ANNOTATION} whose message names the item and the field.
 */
final class Fields {
    private Fields() {}

    static Map<?, ?> object(Object value, String where) throws BadSampleException {
        if (value instanceof Map<?, ?> map) return map;
        throw malformed(where, "is not a JSON object");
    }

    static String string(Map<?, ?> object, String key, String where) throws BadSampleException {
        if (object.get(key) instanceof String s) return s;
        throw malformed(where + "." + key, object.containsKey(key) ? "is not a string" : "is missing");
    }

    static List<?> list(Map<?, ?> object, String key, String where) throws BadSampleException {
        if (object.get(key) instanceof List<?> l) return l;
        throw malformed(where + "." + key, object.containsKey(key) ? "is not a list" : "is missing");
    }

    static Map<?, ?> object(Map<?, ?> object, String key, String where) throws BadSampleException {
        if (object.get(key) instanceof Map<?, ?> m) return m;
        throw malformed(where + "." + key, object.containsKey(key) ? "is not an object" : "is missing");
    }

    static long integer(Map<?, ?> object, String key, String where) throws BadSampleException {
        if (object.get(key) instanceof Long n) return n;
        throw malformed(where + "." + key, object.containsKey(key) ? "is not an integer" : "is missing");
    }

    /** Element {@code i} of a list, which must be a string. */
    static String string(List<?> list, int i, String where) throws BadSampleException {
        boolean present = i >= 0 && i < list.size();
        if (present && list.get(i) instanceof String s) return s;
        throw malformed(where + "[" + i + "]", present ? "is not a string" : "is missing");
    }

    /** An integer field or a string of digits (annotation files use both for image ids). */
    static String idText(Map<?, ?> object, String key, String where) throws BadSampleException {
        Object value = object.get(key);
        if (value instanceof String s) return s;
        if (value instanceof Long n) return n.toString();
        throw malformed(where + "." + key, value == null ? "is missing" : "is not a string or integer");
    }

    static BadSampleException malformed(String field, String problem) {
        return new BadSampleException(SkipReason.MALFORMED_ANNOTATION, field + " " + problem);
    }
}
