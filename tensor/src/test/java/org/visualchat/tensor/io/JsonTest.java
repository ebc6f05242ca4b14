package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesEveryValueKindKeepingKeyOrder() {
        Object v = Json.parse(" {\"b\": [1, -2.5e3, true, false, null], \"a\": {\"x\": \"y\"}, \"big\": 18446744073709551616, \"neg0\": -0}\n");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("b", "a", "big", "neg0"), List.copyOf(m.keySet()));
        assertEquals(java.util.Arrays.asList(1L, -2500.0, true, false, null), m.get("b"));
        assertEquals(Map.of("x", "y"), m.get("a"));
        assertEquals(new BigInteger("18446744073709551616"), m.get("big"));
        assertEquals(0L, m.get("neg0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(1e-5, Json.parse("1E-5"));
    }

    @Test
    void decodesEscapesAndSurrogatePairs() {
        assertEquals("a\"\\/\b\f\n\r\t\u00e9\uD83E\uDD99", Json.parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00E9\\ud83e\\udd99\""));
        assertEquals("\uD83E\uDD99 é", Json.parseUtf8("\"\uD83E\uDD99 é\"".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void writerRoundTripsAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote\" back\\ ctl\u0001 nl\n tab\t é \uD83E\uDD99");
        m.put("lone", "\uD800x");
        m.put("list", List.of(1L, 2.5, -3, true));
        m.put("empty", Map.of());
        m.put("none", null);
        String compact = Json.write(m);
        assertFalse(compact.contains(" :"));
        assertTrue(compact.contains("\\u0001"));
        assertTrue(compact.contains("\\ud800"));
        Map<?, ?> back = (Map<?, ?>) Json.parse(compact);
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(List.of(1L, 2.5, -3L, true), back.get("list"));
        assertEquals(Map.of(), back.get("empty"));
        assertTrue(back.containsKey("none"));
        assertEquals(back, Json.parse(Json.writePretty(m)));
        assertEquals("{\n  \"a\": [\n    1\n  ]\n}", Json.writePretty(Map.of("a", List.of(1))));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }

    @Test
    void rejectsDuplicateKeysWithPosition() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1,\n \"a\": 2}"));
        assertTrue(e.getMessage().contains("duplicate key \"a\""), e.getMessage());
        assertTrue(e.getMessage().contains("line 2, column 2"), e.getMessage());
        assertEquals(10, e.offset());
    }

    @Test
    void rejectsMalformedInputWithAClearMessage() {
        String[][] cases = {
            {"", "unexpected end of input"},
            {"{\"a\":1,}", "expected a string key"},
            {"[1,]", "expected a value"},
            {"[1 2]", "expected ']'"},
            {"01", "leading zeros"},
            {"1.", "after the decimal point"},
            {"1e", "in the exponent"},
            {"-", "expected a digit"},
            {"NaN", "expected a value"},
            {"\"abc", "unterminated string"},
            {"\"a\u0001b\"", "unescaped control character U+0001"},
            {"\"\\x\"", "invalid escape \\x"},
            {"\"\\u12g4\"", "invalid hex digit"},
            {"{} x", "after the end of the JSON value"},
            {"tru", "expected a value"},
            {"// c\n{}", "expected a value"},
            {"{\"a\" 1}", "expected ':'"},
        };
        for (String[] c : cases) {
            JsonException e = assertThrows(JsonException.class, () -> Json.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains("offset"), e.getMessage());
        }
    }

    @Test
    void rejectsDeepNestingAndInvalidUtf8() {
        String deep = "[".repeat(JsonParser.MAX_DEPTH + 1) + "]".repeat(JsonParser.MAX_DEPTH + 1);
        assertTrue(assertThrows(JsonException.class, () -> Json.parse(deep)).getMessage().contains("nesting deeper"));
        String ok = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertNotNull(Json.parse(ok));
        byte[] bad = {'"', 'a', (byte) 0xC3, '"'};
        JsonException e = assertThrows(JsonException.class, () -> Json.parseUtf8(bad));
        assertEquals("invalid UTF-8 at byte 2", e.getMessage());
        byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAF, '"'};
        assertThrows(JsonException.class, () -> Json.parseUtf8(overlong));
    }
}
