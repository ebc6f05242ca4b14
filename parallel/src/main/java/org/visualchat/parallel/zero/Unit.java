package org.visualchat.parallel.zero;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.DType;

/**
 * A set of parameters communicated together: a stage-3 module (gathered before its forward and backward,
 * released after) or, for parameters that stay whole on every rank, a bucket of trainable parameters whose
 * gradients are reduce-scattered and whose updated slices are all-gathered together.
 */
final class Unit {
    /** The parameters of one dtype and how they are coalesced. */
    record DTypeGroup(List<Slot> slots, ShardLayout layout) {}

    final String name;
    final boolean partitioned;
    final List<Slot> slots;
    final List<DTypeGroup> byDtype;
    final List<Slot> trainable;
    /** F32 layout of the trainable slots' gradients. */
    final ShardLayout grads;

    Unit(String name, boolean partitioned, List<Slot> slots, int world) {
        this.name = name;
        this.partitioned = partitioned;
        this.slots = List.copyOf(slots);
        Map<DType, List<Slot>> groups = new LinkedHashMap<>();
        for (Slot s : slots) groups.computeIfAbsent(s.dtype, d -> new ArrayList<>()).add(s);
        List<DTypeGroup> g = new ArrayList<>();
        groups.forEach((dtype, members) -> g.add(new DTypeGroup(members, new ShardLayout(dtype, numels(members), world))));
        this.byDtype = List.copyOf(g);
        this.trainable = slots.stream().filter(s -> s.trainable).toList();
        this.grads = new ShardLayout(DType.F32, numels(trainable), world);
    }

    long elements() {
        long n = 0;
        for (Slot s : slots) n += s.numel();
        return n;
    }

    private static long[] numels(List<Slot> slots) {
        return slots.stream().mapToLong(Slot::numel).toArray();
    }
}
