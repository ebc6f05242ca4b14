package org.visualchat.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;

/**
 * Every collective, bitwise against a closed form (nccl-tests "verifiable" idea, distributed.md §3.4):
 * inputs are small integers, so F32 and BF16 sums are exact in any order and AVG is one correctly rounded
 * division on every path. Ring and direct algorithms are forced in turn; counts include 0, 1, 7, sizes not
 * divisible by the world size, and a multi-megabyte one.
 */
class CollectivesExactTest {

    static float value(int rank, long i) { return (float) ((rank * 7 + i * 13) % 17 - 8); }

    @ParameterizedTest(name = "world {0}, segment {1} B, direct up to {2} B")
    @CsvSource({"2, 1024, 0", "3, 1024, 0", "4, 1024, 0", "2, 1048576, 65536", "3, 1048576, 65536", "4, 1048576, 65536",
            "3, 4096, 4096"})
    void everyCollectiveIsExact(int world, int segment, int direct) {
        int port = Launcher.freePort();
        long[] counts = segment == 1024 ? new long[] {0, 1, 7, 1000, 4093} : new long[] {0, 1, 7, 1000, 1000003};
        List<Object> wrong = LocalRanks.run(world, r -> LocalRanks.options(r, world, port, Duration.ofSeconds(20))
                .withAlgorithmSizes(segment, direct), pg -> {
            List<String> errors = new ArrayList<>();
            for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                for (long n : counts) {
                    for (ReduceOp op : ReduceOp.values()) checkAllReduce(pg, dt, n, op, errors);
                    checkReduceScatter(pg, dt, n, errors);
                    checkAllGather(pg, dt, n, errors);
                    checkBroadcast(pg, dt, n, (int) (n % world), errors);
                    pg.barrier();
                }
            }
            return errors;
        });
        assertEquals(java.util.Collections.nCopies(world, List.of()), wrong.stream().map(CollectivesExactTest::describe).toList());
    }

    static Object describe(Object result) {
        if (!(result instanceof Throwable t)) return result;
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString().lines().limit(8).toList();
    }

    private static MemorySegment filled(DType dt, long n, int rank) {
        MemorySegment s = Arena.ofAuto().allocate(Math.max(1, n * dt.elementBytes()));
        for (long i = 0; i < n; i++) set(s, dt, i, value(rank, i));
        return s;
    }

    static void set(MemorySegment s, DType dt, long i, float v) {
        if (dt == DType.F32) s.setAtIndex(Storage.F32, i, v);
        else s.setAtIndex(Storage.I16, i, HalfFloats.floatToBf16(v));
    }

    static float get(MemorySegment s, DType dt, long i) {
        return dt == DType.F32 ? s.getAtIndex(Storage.F32, i) : HalfFloats.bf16ToFloat(s.getAtIndex(Storage.I16, i));
    }

    /** The reference result, rounded to the dtype as the implementation must round it. */
    static float reduced(DType dt, int world, long i, ReduceOp op) {
        float acc = value(0, i);
        for (int r = 1; r < world; r++) {
            float v = value(r, i);
            acc = switch (op) {
                case SUM, AVG -> acc + v;
                case MAX -> Math.max(acc, v);
                case MIN -> Math.min(acc, v);
            };
        }
        if (op == ReduceOp.AVG) acc /= world;
        return dt == DType.F32 ? acc : HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(acc));
    }

    private static void compare(String what, MemorySegment s, DType dt, long from, long n, java.util.function.LongFunction<Float> ref,
                                List<String> errors) {
        long bad = 0, first = -1;
        for (long i = 0; i < n; i++) {
            if (Float.floatToIntBits(get(s, dt, i)) != Float.floatToIntBits(ref.apply(from + i))) {
                if (first < 0) first = i;
                bad++;
            }
        }
        if (bad > 0) errors.add(what + ": " + bad + " wrong, first at " + first + ": " + get(s, dt, first) + " vs " + ref.apply(from + first));
    }

    private static void checkAllReduce(ProcessGroup pg, DType dt, long n, ReduceOp op, List<String> errors) {
        MemorySegment buf = filled(dt, n, pg.rank());
        pg.allReduce(buf, dt, n, op);
        compare("allReduce " + dt + " " + op + " n=" + n, buf, dt, 0, n, i -> reduced(dt, pg.size(), i, op), errors);
    }

    private static void checkReduceScatter(ProcessGroup pg, DType dt, long n, List<String> errors) {
        Split split = Split.balanced(n, pg.size());
        MemorySegment in = filled(dt, n, pg.rank());
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, split.count(pg.rank()) * dt.elementBytes()));
        pg.reduceScatter(in, out, dt, split, ReduceOp.SUM);
        compare("reduceScatter " + dt + " n=" + n, out, dt, split.offset(pg.rank()), split.count(pg.rank()),
                i -> reduced(dt, pg.size(), i, ReduceOp.SUM), errors);
        compare("reduceScatter input untouched " + dt + " n=" + n, in, dt, 0, n, i -> value(pg.rank(), i), errors);
        // In place, with an uneven split where rank 0 owns nothing.
        long[] c = new long[pg.size()];
        for (int r = 1; r < pg.size(); r++) c[r] = n / (pg.size() - 1) + (r == 1 ? n % (pg.size() - 1) : 0);
        Split uneven = Split.of(c);
        MemorySegment buf = filled(dt, n, pg.rank());
        MemorySegment mine = buf.asSlice(uneven.offset(pg.rank()) * dt.elementBytes(), uneven.count(pg.rank()) * dt.elementBytes());
        pg.reduceScatter(buf, mine, dt, uneven, ReduceOp.MAX);
        compare("reduceScatter in place uneven " + dt + " n=" + n, mine, dt, uneven.offset(pg.rank()), uneven.count(pg.rank()),
                i -> reduced(dt, pg.size(), i, ReduceOp.MAX), errors);
    }

    private static void checkAllGather(ProcessGroup pg, DType dt, long n, List<String> errors) {
        Split split = Split.balanced(n, pg.size());
        int r = pg.rank();
        MemorySegment in = Arena.ofAuto().allocate(Math.max(1, split.count(r) * dt.elementBytes()));
        for (long i = 0; i < split.count(r); i++) set(in, dt, i, value(r, split.offset(r) + i));
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, n * dt.elementBytes()));
        pg.allGather(in, out, dt, split);
        compare("allGather " + dt + " n=" + n, out, dt, 0, n, i -> value(owner(split, i), i), errors);
        // In place: in = this rank's slice of out (the copy of in into out is then skipped).
        MemorySegment whole = Arena.ofAuto().allocate(Math.max(1, n * dt.elementBytes()));
        MemorySegment mine = whole.asSlice(split.offset(r) * dt.elementBytes(), split.count(r) * dt.elementBytes());
        MemorySegment.copy(in, 0, mine, 0, mine.byteSize());
        pg.allGather(mine, whole, dt, split);
        compare("allGather in place " + dt + " n=" + n, whole, dt, 0, n, i -> value(owner(split, i), i), errors);
        // Heap arrays: two distinct arrays have the same address() (0), which must not pass for in place.
        if (dt == DType.F32) {
            float[] heapIn = new float[(int) split.count(r)], heapOut = new float[(int) n];
            MemorySegment.copy(in, 0, MemorySegment.ofArray(heapIn), 0, mine.byteSize());
            pg.allGather(heapIn, heapOut, split);
            compare("allGather float[] n=" + n, MemorySegment.ofArray(heapOut), dt, 0, n, i -> value(owner(split, i), i), errors);
        }
    }

    private static int owner(Split s, long i) {
        int r = 0;
        while (i >= s.offset(r) + s.count(r)) r++;
        return r;
    }

    private static void checkBroadcast(ProcessGroup pg, DType dt, long n, int root, List<String> errors) {
        MemorySegment buf = filled(dt, n, pg.rank());
        pg.broadcast(buf, dt, n, root);
        compare("broadcast " + dt + " n=" + n + " root " + root, buf, dt, 0, n, i -> value(root, i), errors);
    }
}
