package org.visualchat.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Storage#uninitialized} / {@link Tensor#empty}: the poison guard, the layout, and the lifetime of unzeroed blocks. */
class UninitializedStorageTest {
    private static final int BIG = 1 << 15;                       // floats: 128 KiB, off-heap

    @Test
    void testsRunWithThePoisonGuardSoAnOpThatSkipsAnElementReadsNaN() {
        assertTrue(Storage.POISON, "assertions must be on in tests: Tensor.empty is poisoned only then");
        for (int n : new int[] {1, 7, BIG + 3}) {
            Tensor t = Tensor.empty(n);
            assertTrue(Float.isNaN(t.get(0)) && Float.isNaN(t.get(n - 1)), "empty(" + n + ") must be poisoned");
        }
        assertEquals(-1L, Tensor.empty(DType.I64, BIG).getLong(BIG - 1));
    }

    @Test
    void offHeapBlocksAreExactlySizedAlignedAndWritable() {
        for (int n : new int[] {BIG, BIG + 1, 3 * BIG + 5}) {
            Tensor t = Tensor.empty(n);
            assertTrue(t.storage().segment().isNative());
            assertEquals(0, t.storage().segment().address() % 64, "64-byte aligned");
            assertEquals(4L * n, t.storage().byteSize());
            t.set(5f, n - 1);
            assertEquals(5f, t.get(n - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> t.storage().segment().get(Storage.F32, 4L * n));
        }
    }

    /**
     * A view keeps its block alive after the tensor it came from is dropped, while other blocks are
     * allocated and freed around it; and dropped blocks are really freed (the outstanding count falls).
     * A cleanup tied to the wrong object would free the view's block, and the churn would overwrite it.
     */
    @Test
    void aViewOutlivesItsParentAndDroppedBlocksAreFreed() throws InterruptedException {
        Tensor view = pattern(BIG).narrow(0, 100, 1000);
        long before = NativeMemory.outstanding();
        List<Tensor> churn = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 8; i++) churn.add(Tensor.full(-7f, BIG));
            churn.clear();
            System.gc();
        }
        for (int i = 0; i < 1000; i++) assertEquals(100 + i, view.get(i), "view element " + i);
        // A liveness bound for the cleaner thread, not a timing claim: generous for a loaded machine.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (NativeMemory.outstanding() > before + 16L * 4 * BIG && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(NativeMemory.outstanding() <= before + 16L * 4 * BIG,
                "160 dropped blocks of 128 KiB were not freed: " + (NativeMemory.outstanding() - before) + " bytes still outstanding");
    }

    /**
     * Without anyone calling System.gc(), dropping blocks worth eight GC budgets leaves at most about two
     * budgets outstanding: the allocator requests a GC itself every {@link NativeMemory#GC_BUDGET} bytes.
     * The blocks are never touched, so the C library hands out address space, not pages, and this is cheap.
     */
    @Test
    void allocationAloneRequestsGcsThatKeepDroppedBlocksBounded() throws InterruptedException {
        long block = 8L << 20, before = NativeMemory.outstanding();
        for (long made = 0; made < 8 * NativeMemory.GC_BUDGET; made += block) assertNotNull(NativeMemory.allocate(block));
        // The cleaner frees what a GC found unreachable on its own thread: give it a generous liveness bound.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (NativeMemory.outstanding() - before > 2 * NativeMemory.GC_BUDGET + block && System.nanoTime() < deadline) Thread.sleep(20);
        long left = NativeMemory.outstanding() - before;
        assertTrue(left <= 2 * NativeMemory.GC_BUDGET + block, left + " bytes outstanding after dropping 8 budgets of " + NativeMemory.GC_BUDGET);
    }

    @Test
    void copiesOfViewsWithDenseRowsEqualTheElementwiseCopy() {
        Tensor x = pattern(2 * 3 * 4 * 5).reshape(2, 3, 4, 5);
        Tensor[] views = {x.transpose(1, 2), x.permute(2, 0, 1, 3), x.narrow(3, 1, 3), x.narrow(1, 1, 2).select(2, 3),
                x.narrow(0, 1, 1).reshape(3, 4, 5), x.expand(2, 3, 4, 5).narrow(2, 0, 0)};
        for (Tensor v : views) {
            float[] expect = new float[(int) v.numel()];
            int[] idx = new int[v.rank()];
            for (int i = 0; i < expect.length; i++) {
                expect[i] = v.get(idx);
                for (int d = idx.length - 1; d >= 0 && ++idx[d] == v.dim(d); d--) idx[d] = 0;
            }
            assertArrayEquals(expect, v.contiguous().toFloatArray());
            assertArrayEquals(expect, v.to(DType.BF16).to(DType.F32).toFloatArray());   // small integers: exact in BF16
        }
        Tensor longs = Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3).narrow(1, 1, 2);
        assertArrayEquals(new long[] {2, 3, 5, 6}, longs.contiguous().toLongArray());
    }

    private static Tensor pattern(int n) {
        Tensor t = Tensor.empty(n);
        for (int i = 0; i < n; i++) t.set(i, i);
        return t;
    }
}
