package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class IndexingTest {
    @Test
    void embeddingGathersRowsOfEveryDtype() {
        Tensor f32 = randn(1, 50, 96);
        Tensor ids = Tensor.ofLongs(new long[] {0, 49, 7, 7, 13, 1}, 2, 3);
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0}) {
            Tensor table = f32.to(type);
            double[] rows = values(table);                      // the core's scalar dequantization is the reference
            long[] id = ids.toLongArray();
            double[] expect = new double[id.length * 96];
            for (int k = 0; k < id.length; k++) System.arraycopy(rows, (int) id[k] * 96, expect, k * 96, 96);
            assertClose(expect, new int[] {2, 3, 96}, Indexing.embedding(table, ids), 0, 0, "embedding " + type);
            assertClose(expect, new int[] {2, 3, 96}, Indexing.embedding(table, ids.to(DType.I32)), 0, 0, "embedding I32 ids " + type);
        }
        Tensor view = f32.narrow(0, 10, 20).transpose(0, 1).contiguous().transpose(0, 1);  // strided table view
        assertClose(values(f32.narrow(0, 15, 1)), new int[] {1, 96}, Indexing.embedding(view, Tensor.ofInts(new int[] {5}, 1)), 0, 0, "strided table");
    }

    @Test
    void outOfRangeIdsNameTheIdAndTheVocabulary() {
        Tensor table = Tensor.zeros(32, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.embedding(table, Tensor.ofInts(new int[] {3, 32000, 1}, 3)));
        assertTrue(e.getMessage().contains("32000") && e.getMessage().contains("vocabulary of 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(table, Tensor.ofInts(new int[] {-1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(table, Tensor.zeros(2)));
    }

    @Test
    void indexSelectAlongEveryDim() {
        Tensor x = randn(9, 2, 7, 17, 5);
        Tensor xt = x.transpose(1, 2);                            // [2, 17, 7, 5], non-contiguous
        for (int dim = 0; dim < 4; dim++) {
            int last = xt.dim(dim) - 1;
            Tensor idx = Tensor.ofInts(new int[] {last, 0, last, Math.min(1, last)}, 4);
            Tensor got = Indexing.indexSelect(xt, dim, idx);
            int[] shape = got.shape();
            for (int i = 0; i < shape[0]; i++) for (int j = 0; j < shape[1]; j++) for (int k = 0; k < shape[2]; k++) for (int l = 0; l < shape[3]; l++) {
                int[] at = {i, j, k, l};
                at[dim] = (int) idx.getLong(at[dim]);
                assertEquals(xt.get(at), got.get(i, j, k, l), "dim " + dim);
            }
        }
        assertEquals(DType.I64, Indexing.indexSelect(Tensor.ofLongs(new long[] {5, 6, 7}, 3), 0, Tensor.ofInts(new int[] {2}, 1)).dtype());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Indexing.indexSelect(x, 1, Tensor.ofInts(new int[] {7}, 1))).getMessage().contains("7"));
    }

    @Test
    void indexAddIntoAccumulatesRepeatedIndices() {
        Tensor dst = randn(3, 6, 33);
        Tensor src = randn(4, 6, 5, 33).select(1, 2);             // a [6, 33] view with row stride 165
        Tensor idx = Tensor.ofInts(new int[] {1, 4, 1, 0, 5, 1}, 6);
        double[] expect = values(dst);
        double[] s = values(src);
        for (int k = 0; k < 6; k++) for (int j = 0; j < 33; j++) expect[(int) idx.getLong(k) * 33 + j] += s[k * 33 + j];
        Indexing.indexAddInto(dst, 0, idx, src);
        assertClose(expect, new int[] {6, 33}, dst, 1e-6, 1e-6, "indexAddInto");
        Tensor vec = Tensor.zeros(4);
        Indexing.indexAddInto(vec, 0, Tensor.ofInts(new int[] {2, 2, 0}, 3), Tensor.of(new float[] {1, 2, 3}, 3));
        assertArrayEquals(new float[] {3, 0, 3, 0}, vec.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Indexing.indexAddInto(vec, 0, Tensor.ofInts(new int[] {1}, 1), Tensor.zeros(2)));
    }
}
