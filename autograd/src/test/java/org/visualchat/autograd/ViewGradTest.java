package org.visualchat.autograd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class ViewGradTest {
    @Test
    void reshapeOfContiguousAndStrided() {
        check("reshape", v -> Views.reshape(v[0], 3, -1), randn(1, 2, 3, 5));
        check("reshape strided", v -> Views.reshape(v[0], 35), strided(2, 7, 5));
    }

    @Test
    void transposePermute() {
        check("transpose", v -> Views.transpose(v[0], 0, 2), randn(3, 2, 3, 4));
        check("permute", v -> Views.permute(v[0], 2, 0, 1), strided(4, 2, 3, 5));
    }

    @Test
    void slices() {
        check("narrow", v -> Views.narrow(v[0], 1, 2, 3), strided(5, 4, 7));
        check("select", v -> Views.select(v[0], -1, 4), randn(6, 3, 2, 7));
    }

    @Test
    void expandSqueezeContiguous() {
        check("expand", v -> Views.expand(v[0], 2, 3, 4, 5), randn(7, 3, 1, 5));
        check("unsqueeze", v -> Views.unsqueeze(v[0], 1), strided(8, 3, 4));
        check("squeeze", v -> Views.squeeze(v[0], 1), randn(9, 3, 1, 4));
        check("contiguous", v -> Views.contiguous(v[0]), strided(10, 3, 4));
    }

    @Test
    void joins() {
        check("concat", v -> Joins.concat(1, v[0], v[1], v[2]), randn(11, 2, 3), strided(12, 2, 1), randn(13, 2, 4));
        check("stack", v -> Joins.stack(-1, v[0], v[1]), strided(14, 3, 5), randn(15, 3, 5));
        check("split", v -> {
            Variable[] parts = Joins.split(v[0], 0, 2, 5);
            assertArrayEquals(new int[] {5, 3}, parts[1].shape());
            return Arith.mul(Views.narrow(parts[1], 0, 3, 2), parts[0]);
        }, strided(16, 7, 3));
    }
}
