package org.visualchat.autograd;

import org.junit.jupiter.api.Test;

import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class ProductGradTest {
    @Test
    void matmulPlainAndTransposedViews() {
        check("matmul", v -> Products.matmul(v[0], v[1]), randn(1, 3, 4), strided(2, 4, 5));
        check("matmul a·bᵀ", v -> Products.matmul(v[0], Views.transpose(v[1], 0, 1)), strided(3, 1, 7), randn(4, 2, 7));
    }

    @Test
    void matmulBatchedWithBroadcastBatch() {
        check("batched broadcast", v -> Products.matmul(v[0], v[1]), strided(5, 2, 1, 3, 4), randn(6, 3, 4, 2));
        check("batched · shared matrix", v -> Products.matmul(v[0], v[1]), randn(7, 2, 3, 5), strided(8, 5, 3));
        check("shared matrix · batched", v -> Products.matmul(v[0], v[1]), randn(9, 3, 5), randn(10, 2, 5, 3));
    }

    @Test
    void linearWithAndWithoutBias() {
        check("linear bias", v -> Products.linear(v[0], v[1], v[2]), strided(11, 2, 3, 5), randn(12, 4, 5), randn(13, 4));
        check("linear no bias", v -> Products.linear(v[0], v[1], null), randn(14, 7, 5), strided(15, 3, 5));
    }
}
