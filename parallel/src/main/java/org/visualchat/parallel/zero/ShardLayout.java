package org.visualchat.parallel.zero;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.visualchat.parallel.Split;
import org.visualchat.tensor.DType;

/**
 * How several flattened tensors of one dtype are sharded over {@code p} ranks and coalesced into one flat
 * buffer, so a unit needs one reduce-scatter or all-gather instead of one per tensor (distributed.md §1.4,
 * DeepSpeed's {@code reduce_scatter_coalesced}). Each tensor i of n_i elements is split exactly and
 * unevenly ({@link Split#balanced}: rank r holds [off_i(r), off_i(r) + c_i(r)), sizes differing by at
 * most one, possibly zero), so no padding exists anywhere. The flat buffer is rank-major:
 * <pre>
 *   [ rank 0: t0 slice 0 | t1 slice 0 | … ][ rank 1: t0 slice 1 | t1 slice 1 | … ] …
 * </pre>
 * which makes rank r's shard one contiguous range, the form {@code ProcessGroup.reduceScatter/allGather}
 * take.
 */
final class ShardLayout {
    private final DType dtype;
    private final Split[] tensors;
    private final long[][] inShard;   // [rank][tensor]: where tensor's slice starts within the rank's shard
    private final Split coalesced;

    ShardLayout(DType dtype, long[] numels, int world) {
        this.dtype = dtype;
        this.tensors = new Split[numels.length];
        for (int i = 0; i < numels.length; i++) tensors[i] = Split.balanced(numels[i], world);
        this.inShard = new long[world][numels.length];
        long[] shard = new long[world];
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < numels.length; i++) {
                inShard[r][i] = shard[r];
                shard[r] += tensors[i].count(r);
            }
        }
        this.coalesced = Split.of(shard);
    }

    DType dtype() { return dtype; }

    /** The per-rank shard sizes of the coalesced buffer. */
    Split split() { return coalesced; }

    /** How tensor {@code i} alone is split over ranks. */
    Split tensorSplit(int i) { return tensors[i]; }

    /** Where tensor {@code i}'s slice of rank {@code r} starts within rank r's shard. */
    long offsetInShard(int rank, int i) { return inShard[rank][i]; }

    /** Where tensor {@code i}'s slice of rank {@code r} starts within the flat buffer. */
    long offsetInFlat(int rank, int i) { return coalesced.offset(rank) + inShard[rank][i]; }

    /** Copies each full tensor (contiguous, this dtype) into its rank-major places in {@code flat}. */
    void pack(List<MemorySegment> full, MemorySegment flat) {
        forEachSlice((r, i) -> copy(full.get(i), tensors[i].offset(r), flat, offsetInFlat(r, i), tensors[i].count(r)));
    }

    /** The inverse of {@link #pack}: scatters {@code flat} back into the full tensors. */
    void unpack(MemorySegment flat, List<MemorySegment> full) {
        forEachSlice((r, i) -> copy(flat, offsetInFlat(r, i), full.get(i), tensors[i].offset(r), tensors[i].count(r)));
    }

    private interface SliceAction {
        void apply(int rank, int tensor);
    }

    private void forEachSlice(SliceAction action) {
        for (int r = 0; r < inShard.length; r++) for (int i = 0; i < tensors.length; i++) action.apply(r, i);
    }

    private void copy(MemorySegment from, long fromElem, MemorySegment to, long toElem, long count) {
        long b = dtype.elementBytes();
        MemorySegment.copy(from, fromElem * b, to, toElem * b, count * b);
    }
}
