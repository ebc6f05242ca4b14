package org.visualchat.tensor.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict pickle reader for the opcodes {@code torch.save} emits (pickle protocol 2, plus the
 * protocol-4 framing opcodes for files saved with {@code pickle_protocol=4}); see CPython's
 * Lib/pickletools.py for each opcode's definition. It never imports or calls anything: GLOBAL,
 * REDUCE, BINPERSID and BUILD are handed to {@link Semantics}, which decides what, if anything, a
 * name means. Any other opcode is an error naming it and its offset.
 *
 * <p>Values: str → {@link String}; int → {@link Long} (wider ints are refused); float → {@link Double};
 * True/False → {@link Boolean}; None → {@code null}; list → {@link ArrayList}; tuple → {@link Tuple};
 * dict → {@link LinkedHashMap} (insertion order, as Python).
 */
final class Unpickler {
    /** What the object-building opcodes mean; implementations refuse anything they do not know. */
    interface Semantics {
        /** GLOBAL / STACK_GLOBAL: the object {@code module.name} stands for. */
        Object global(String module, String name);

        /** REDUCE: {@code callable(*args)}. */
        Object reduce(Object callable, Tuple args);

        /** BINPERSID: the object a persistent id refers to. */
        Object persistentLoad(Object pid);

        /** BUILD: applies {@code state} to {@code target} (pickle's {@code __setstate__}). */
        void build(Object target, Object state);
    }

    /** An immutable Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() { return items.size(); }

        Object get(int i) { return items.get(i); }
    }

    /** A malformed stream or a refused object; {@link #load} adds the offset and opcode. */
    static final class PickleException extends RuntimeException {
        PickleException(String message) {
            super(message);
        }
    }

    private static final int HIGHEST_PROTOCOL = 5;
    private static final Object MARK_OBJECT = new Object();

    private final ByteBuffer in;
    private final Semantics semantics;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] pickle, Semantics semantics) {
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.semantics = semantics;
    }

    /** Unpickles {@code pickle}, which must end with STOP and nothing after it. */
    static Object load(byte[] pickle, Semantics semantics) {
        return new Unpickler(pickle, semantics).run();
    }

    private Object run() {
        while (true) {
            int at = in.position();
            if (!in.hasRemaining()) throw new PickleException("the pickle ends at byte " + at + " without a STOP opcode");
            int op = in.get() & 0xFF;
            try {
                if (op == '.') return stop();
                execute(op);
            } catch (PickleException e) {
                throw new PickleException("at byte " + at + " (opcode " + describe(op) + "): " + e.getMessage());
            }
        }
    }

    private Object stop() {
        if (stack.size() != 1 || !marks.isEmpty()) throw new PickleException("STOP with " + stack.size() + " objects on the stack and " + marks.size() + " open marks");
        if (in.hasRemaining()) throw new PickleException(in.remaining() + " bytes follow the STOP opcode");
        return stack.getFirst();
    }

    private void execute(int op) {
        switch (op) {
            case 0x80 -> { // PROTO
                int protocol = u8();
                if (protocol > HIGHEST_PROTOCOL) throw new PickleException("pickle protocol " + protocol + " is newer than " + HIGHEST_PROTOCOL);
            }
            case 0x95 -> bytes(8) /* FRAME: a length prefix for buffered readers; the data follows inline */;
            case '(' -> { marks.add(stack.size()); push(MARK_OBJECT); }
            case '}' -> push(new LinkedHashMap<>());
            case ']' -> push(new ArrayList<>());
            case ')' -> push(new Tuple(List.of()));
            case 't' -> push(new Tuple(popMark()));
            case 0x85 -> push(new Tuple(popN(1)));
            case 0x86 -> push(new Tuple(popN(2)));
            case 0x87 -> push(new Tuple(popN(3)));
            case 'a' -> { Object v = pop(); list(peek()).add(v); }
            case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); }
            case 's' -> { Object v = pop(), k = pop(); dict(peek()).put(k, v); }
            case 'u' -> setItems();
            case 'J' -> push((long) in.getInt(checked(4)));
            case 'K' -> push((long) u8());
            case 'M' -> push((long) (in.getShort(checked(2)) & 0xFFFF));
            case 0x8A -> push(long1());
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong(checked(8))))); // BINFLOAT is big-endian
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'X' -> push(utf8(in.getInt(checked(4)) & 0xFFFFFFFFL));
            case 0x8C -> push(utf8(u8()));
            case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING: Python 2 str
            case 'c' -> push(semantics.global(line(), line()));
            case 0x93 -> { Object name = pop(), module = pop(); push(semantics.global(string(module, "module"), string(name, "name"))); }
            case 'q' -> memo.put((long) u8(), peek());
            case 'r' -> memo.put(in.getInt(checked(4)) & 0xFFFFFFFFL, peek());
            case 0x94 -> memo.put((long) memo.size(), peek());
            case 'h' -> push(memoGet(u8()));
            case 'j' -> push(memoGet(in.getInt(checked(4)) & 0xFFFFFFFFL));
            case 'Q' -> push(semantics.persistentLoad(pop()));
            case 'R' -> { Object args = pop(), callable = pop(); push(semantics.reduce(callable, tuple(args))); }
            case 'b' -> { Object state = pop(); semantics.build(peek(), state); }
            default -> throw new PickleException("not an opcode torch.save emits");
        }
    }

    private void setItems() {
        List<Object> items = popMark();
        if (items.size() % 2 != 0) throw new PickleException("odd number of items (" + items.size() + ") for a dict");
        Map<Object, Object> d = dict(peek());
        for (int i = 0; i < items.size(); i += 2) d.put(items.get(i), items.get(i + 1));
    }

    /** LONG1: a length byte, then that many bytes of little-endian two's complement. */
    private long long1() {
        int n = u8();
        if (n > 8) throw new PickleException(n + "-byte integer does not fit in 64 bits");
        byte[] b = bytes(n);
        long v = n == 0 ? 0 : b[n - 1]; // sign-extends from the top byte
        for (int i = n - 2; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    private String utf8(long length) {
        try {
            return StrictUtf8.decode(bytes(length));
        } catch (StrictUtf8.Malformed e) {
            throw new PickleException("string is not valid UTF-8: " + e.getMessage());
        }
    }

    /** GLOBAL's module and name: each a line of printable ASCII ending in '\n'. */
    private String line() {
        StringBuilder s = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return s.toString();
            if (c < 0x20 || c > 0x7E || s.length() > 256) throw new PickleException("malformed GLOBAL name");
            s.append((char) c);
        }
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw new PickleException("memo key " + key + " was never stored");
        return memo.get(key);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw new PickleException("no MARK on the stack");
        int mark = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private List<Object> popN(int n) {
        int from = stack.size() - n;
        if (from < floor()) throw new PickleException("stack underflow");
        List<Object> items = new ArrayList<>(stack.subList(from, stack.size()));
        stack.subList(from, stack.size()).clear();
        return items;
    }

    private Object pop() {
        return popN(1).getFirst();
    }

    private Object peek() {
        if (stack.size() <= floor()) throw new PickleException("stack underflow");
        return stack.getLast();
    }

    /** Objects below the innermost MARK cannot be consumed until it is closed. */
    private int floor() {
        return marks.isEmpty() ? 0 : marks.getLast() + 1;
    }

    private void push(Object o) {
        stack.add(o);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw new PickleException("append to a " + typeName(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw new PickleException("set an item of a " + typeName(o) + ", not a dict");
    }

    private static Tuple tuple(Object o) {
        if (o instanceof Tuple t) return t;
        throw new PickleException("REDUCE arguments are a " + typeName(o) + ", not a tuple");
    }

    private static String string(Object o, String what) {
        if (o instanceof String s) return s;
        throw new PickleException("STACK_GLOBAL " + what + " is a " + typeName(o) + ", not a str");
    }

    static String typeName(Object o) {
        return o == null ? "None" : o == MARK_OBJECT ? "MARK" : o.getClass().getSimpleName();
    }

    private int u8() {
        return in.get(checked(1)) & 0xFF;
    }

    private byte[] bytes(long n) {
        byte[] b = new byte[(int) Math.min(n, Integer.MAX_VALUE)];
        in.get(checked(n), b);
        return b;
    }

    /** Consumes {@code n} bytes and returns where they start, or fails if the pickle is shorter. */
    private int checked(long n) {
        if (n > in.remaining()) throw new PickleException("needs " + n + " more bytes but only " + in.remaining() + " remain");
        int at = in.position();
        in.position(at + (int) n);
        return at;
    }

    private static String describe(int op) {
        return String.format(op >= 0x20 && op < 0x7F ? "0x%02x '%c'" : "0x%02x", op, (char) op);
    }
}
