package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.io.Unpickler.PickleException;
import org.visualchat.tensor.io.Unpickler.Tuple;

/** Hand-assembled opcode streams (byte values from CPython's Lib/pickletools.py) for the paths torch fixtures do not reach. */
class UnpicklerTest {
    private static byte[] ops(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) out.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            else if (p instanceof Character c) out.write(c);
            else out.write((Integer) p);
        }
        return out.toByteArray();
    }

    private static Object load(byte[] pickle) {
        return Unpickler.load(pickle, new TorchPickle());
    }

    private static void fails(byte[] pickle, String... fragments) {
        String m = assertThrows(PickleException.class, () -> load(pickle)).getMessage();
        for (String f : fragments) assertTrue(m.contains(f), "expected '" + f + "' in: " + m);
    }

    @Test
    void scalarsAndContainers() {
        byte[] p = ops(0x80, 2, ']', 'r', 0x10, 0, 0, 0, '(',
                0x8A, 2, 0x00, 0x80,                   // LONG1 -32768
                0x8A, 8, 0, 0, 0, 0, 0, 0, 0, 0x40,     // LONG1 2^62
                0x8A, 0,                               // LONG1 0
                'J', 0xFE, 0xFF, 0xFF, 0xFF,           // BININT -2
                'M', 0xE8, 0x03,                       // BININT2 1000
                'G', 0x3F, 0xF8, 0, 0, 0, 0, 0, 0,     // BINFLOAT 1.5 (big-endian)
                'U', 3, "abc",                         // SHORT_BINSTRING
                'X', 2, 0, 0, 0, 0xC3, 0xA9,           // BINUNICODE "é"
                'N', 0x88, 0x89,
                'e', 'j', 0x10, 0, 0, 0, 'a',          // LONG_BINGET the list itself: a cycle
                '.');
        List<?> l = (List<?>) load(p);
        assertEquals(List.of(-32768L, 1L << 62, 0L, -2L, 1000L, 1.5, "abc", "é"), l.subList(0, 8));
        assertNull(l.get(8));
        assertEquals(List.of(true, false), l.subList(9, 11));
        assertSame(l, l.get(11));
    }

    @Test
    void dictsAndTuples() {
        byte[] p = ops(0x80, 2, '}', 'q', 0, 'K', 1, ')', 's', 'K', 2, 'K', 7, 0x85, 's', 'K', 3, 'K', 1, 'K', 2, 'K', 3, 0x87, 's', '.');
        Map<?, ?> d = (Map<?, ?>) load(p);
        assertEquals(new Tuple(List.of()), d.get(1L));
        assertEquals(new Tuple(List.of(7L)), d.get(2L));
        assertEquals(new Tuple(List.of(1L, 2L, 3L)), d.get(3L));
        assertEquals(new ArrayList<>(List.of(1L, 2L, 3L)), new ArrayList<>(d.keySet()));
    }

    @Test
    void malformedStreams() {
        fails(ops(0x80, 2, 'K', 1), "without a STOP");
        fails(ops(0x80, 2, 'K', 1, '.', 'N'), "1 bytes follow the STOP");
        fails(ops(0x80, 2, 'K', 1, 'K', 2, '.'), "STOP with 2 objects");
        fails(ops(0x80, 2, 'h', 5, '.'), "memo key 5 was never stored");
        fails(ops(0x80, 2, 0x86, '.'), "at byte 2", "stack underflow");
        fails(ops(0x80, 2, '(', 'K', 1, 0x86, '.'), "stack underflow");   // TUPLE2 may not reach below a MARK
        fails(ops(0x80, 2, 'X', 9, 0, 0, 0, "ab", '.'), "needs 9 more bytes");
        fails(ops(0x80, 2, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, '.'), "9-byte integer");
        fails(ops(0x80, 2, 'X', 1, 0, 0, 0, 0xFF, '.'), "not valid UTF-8");
        fails(ops(0x80, 6, 'N', '.'), "protocol 6");
        fails(ops(0x80, 2, 'K', 1, ')', 'R', '.'), "a Long is not callable");
        fails(ops(0x80, 2, 'K', 1, 'K', 2, 'a', '.'), "append to a Long");
        fails(ops(0x80, 2, 'c', "builtins\neval\n", '.'), "global 'builtins.eval' is not allowed");
        fails(ops(0x80, 2, 'c', "collections\nOrderedDict\n", 'K', 1, 0x85, 'R', '.'), "takes 0 arguments, got 1");
        fails(ops(0x80, 2, 'X', 1, 0, 0, 0, "x", 'Q', '.'), "persistent id 'x'");
        fails(ops(0x80, 2, 'K', 1, '}', 'b', '.'), "BUILD of a Long");
        fails(ops(0x80, 2, 'P', '.'), "0x50 'P'", "not an opcode torch.save emits");   // PERSID (protocol 0)
    }
}
