package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.ShardedBackward.Shard;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.autograd.GradCheck.randn;

/** {@link LeafGradients} and {@link ShardedBackward}: a pass kept apart from the leaves, and shards summed in order. */
class ShardedBackwardTest {
    private static final Tensor X = randn(1, 7, 5), W = randn(2, 3, 5), V = randn(3, 3);

    /** Σ tanh(x·wᵀ + v)² · w-dependent term: w is read twice, so its gradient has two contributions. */
    private static Variable loss(Variable x, Variable w, Variable v) {
        Variable h = Activations.tanh(Arith.add(Products.linear(x, w, null), v));
        return Arith.add(Reductions.sum(Activations.square(h)), Reductions.sum(Arith.mul(w, w)));
    }

    @Test
    void aPassIntoLeafGradientsLeavesTheLeavesAloneUntilAdded() {
        Variable w1 = Variable.parameter(W), v1 = Variable.parameter(V);
        loss(Variable.of(X), w1, v1).backward();

        Variable w2 = Variable.parameter(W), v2 = Variable.parameter(V);
        LeafGradients mine = new LeafGradients();
        loss(Variable.of(X), w2, v2).backward(mine);
        assertNull(w2.grad());
        assertNull(v2.grad());
        assertArrayEquals(w1.grad().toFloatArray(), mine.of(w2).toFloatArray());
        mine.addToLeaves();
        assertArrayEquals(w1.grad().toFloatArray(), w2.grad().toFloatArray());
        assertArrayEquals(v1.grad().toFloatArray(), v2.grad().toFloatArray());
        assertNull(mine.of(w2), "added gradients are forgotten");
    }

    @Test
    void aLeafRootGoesIntoTheCollection() {
        Variable w = Variable.parameter(Tensor.scalar(2f));
        LeafGradients mine = new LeafGradients();
        w.backward(mine);
        assertNull(w.grad());
        assertArrayEquals(new float[] {1f}, mine.of(w).toFloatArray());
    }

    /** Shards: the rows of X split 3 / 4, each shard's loss over its rows; their sum is the whole batch's loss. */
    private static List<Shard> shards(Variable w, Variable v) {
        List<Shard> shards = new ArrayList<>();
        shards.add(Shard.of(() -> loss(Views.narrow(Variable.of(X), 0, 0, 3), w, v)));
        shards.add(Shard.of(() -> loss(Views.narrow(Variable.of(X), 0, 3, 4), w, v)));
        return shards;
    }

    @Test
    void shardsGiveTheSameBitsOnOneThreadAndOnTwoAndMatchTheWholeBatch() {
        Variable w1 = Variable.parameter(W), v1 = Variable.parameter(V);
        Variable w2 = Variable.parameter(W), v2 = Variable.parameter(V);
        double one = ShardedBackward.run(new WorkerPool(1), shards(w1, v1), () -> {});
        WorkerPool two = new WorkerPool(2);
        double twoThreads = 0;
        for (int round = 0; round < 20; round++) {          // whichever shard finishes first, the same bits
            w2.zeroGrad();
            v2.zeroGrad();
            twoThreads = ShardedBackward.run(two, shards(w2, v2), () -> {});
            assertArrayEquals(w1.grad().toFloatArray(), w2.grad().toFloatArray());
            assertArrayEquals(v1.grad().toFloatArray(), v2.grad().toFloatArray());
        }
        assertEquals(one, twoThreads);

        // Against one pass over all 7 rows (its w·w term counted once, the shards' twice).
        Variable w3 = Variable.parameter(W), v3 = Variable.parameter(V);
        Variable whole = Arith.add(loss(Variable.of(X), w3, v3), Reductions.sum(Arith.mul(w3, w3)));
        whole.backward();
        assertEquals(whole.value().toFloatArray()[0], one, 1e-4);
        assertArrayEquals(w3.grad().toFloatArray(), w1.grad().toFloatArray(), 1e-5f);
        assertArrayEquals(v3.grad().toFloatArray(), v1.grad().toFloatArray(), 1e-5f);
    }

    @Test
    void shardsStartLongestFirstThenTheWorkMeanwhileAndAddUpInListOrder() {
        int[][] rows = {{0, 1}, {1, 3}, {4, 2}, {6, 1}};         // X's 7 rows in 4 shards: start, count
        long[] work = {1, 5, 3, 5};
        List<Integer> started = new ArrayList<>();
        Variable w1 = Variable.parameter(W), v1 = Variable.parameter(V), w2 = Variable.parameter(W), v2 = Variable.parameter(V);
        List<Shard> byWork = new ArrayList<>(), unknown = new ArrayList<>();
        for (int s = 0; s < rows.length; s++) {
            int shard = s, from = rows[s][0], count = rows[s][1];
            byWork.add(new Shard(work[s], () -> {
                started.add(shard);
                return loss(Views.narrow(Variable.of(X), 0, from, count), w1, v1);
            }));
            unknown.add(Shard.of(() -> loss(Views.narrow(Variable.of(X), 0, from, count), w2, v2)));
        }
        double a = ShardedBackward.run(new WorkerPool(1), byWork, () -> started.add(-1));
        assertEquals(List.of(1, 3, 2, 0, -1), started, "decreasing work, ties in list order, then the work meanwhile");
        double b = ShardedBackward.run(new WorkerPool(1), unknown, () -> {});
        assertEquals(b, a, "the losses add up in list order");
        assertArrayEquals(w2.grad().toFloatArray(), w1.grad().toFloatArray(), "the gradients add up in list order");
        assertArrayEquals(v2.grad().toFloatArray(), v1.grad().toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> new Shard(-1, unknown.getFirst().loss()));
    }

    @Test
    void aShardsFailureReachesTheCaller() {
        Variable w = Variable.parameter(W), v = Variable.parameter(V);
        List<Shard> shards = shards(w, v);
        shards.add(Shard.of(() -> { throw new IllegalArgumentException("shard 3 has no answer"); }));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardedBackward.run(new WorkerPool(2), shards, () -> {}));
        assertEquals("shard 3 has no answer", e.getMessage());
    }

    @Test
    void aCheckpointedBlockInAShardedPassHandsItsParametersGradientsToTheShard() {
        Variable w1 = Variable.parameter(W), x1 = Variable.parameter(X);
        Reductions.sum(Activations.square(Activations.tanh(Products.linear(x1, w1, null)))).backward();

        Variable w2 = Variable.parameter(W), x2 = Variable.parameter(X);
        LeafGradients mine = new LeafGradients();
        Reductions.sum(Activations.square(Recompute.checkpoint(in -> Activations.tanh(Products.linear(in[0], w2, null)), List.of(w2), x2))).backward(mine);
        assertNull(w2.grad(), "nothing reaches the parameter before addToLeaves");
        mine.addToLeaves();
        assertArrayEquals(w1.grad().toFloatArray(), w2.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(x1.grad().toFloatArray(), x2.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void aCheckpointedBlockReadingAnUnlistedParameterIsAnError() {
        Variable w = Variable.parameter(W), x = Variable.parameter(X);
        Variable out = Reductions.sum(Recompute.checkpoint(in -> Products.linear(in[0], w, null), List.of(), x));
        IllegalStateException e = assertThrows(IllegalStateException.class, out::backward);
        assertTrue(e.getMessage().contains("not among its parameters"), e.getMessage());
    }
}
