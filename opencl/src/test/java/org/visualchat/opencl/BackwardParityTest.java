package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Positional;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Every backward kernel against the CPU autograd (the same forward composed from {@code autograd} ops,
 * then {@code backward(dy)}), on awkward shapes (odd sizes, GQA, empty MMCA branches, ignored labels,
 * repeated ids). Tolerances: products 1e-5 + 1e-5 relative (inner dims ≤ 64); row kernels 2e-6 + 1e-5
 * relative; rope and the embedding scatter exact up to 1e-6.
 */
class BackwardParityTest extends DeviceTestBase {
    private static final float EPS = 1e-5f;

    @Test
    void linearInputGradientForEveryWeightDtype() {
        Tensor x = Tensor.uniform(1, -1, 1, 2, 5, 64), dy = Tensor.uniform(2, -1, 1, 2, 5, 19);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            Tensor w = Tensor.uniform(3, -1, 1, 19, 64).to(dtype);
            Variable xv = Variable.parameter(x);
            Products.linear(xv, Variable.of(w.to(DType.F32)), null).backward(dy);
            assertClose(xv.grad(), gpu.download(gpu.gradients().linear(gpu.upload(dy), gpu.upload(w))), 1e-5, 1e-5, "linear dx, " + dtype + " weight");
        }
    }

    @Test
    void linearWeightGradientSumsOverRows() {
        Tensor x = Tensor.uniform(4, -1, 1, 3, 7, 37), dy = Tensor.uniform(5, -1, 1, 3, 7, 45), w = Tensor.uniform(6, -1, 1, 45, 37);
        Variable wv = Variable.parameter(w);
        Products.linear(Variable.of(x), wv, null).backward(dy);
        assertClose(wv.grad(), gpu.download(gpu.gradients().linearWeight(gpu.upload(dy), gpu.upload(x))), 1e-5, 1e-5, "linear dW");
    }

    @Test
    void rmsNormInputGradient() {
        Tensor x = Tensor.uniform(7, -2, 2, 3, 5, 47), w = Tensor.uniform(8, 0.5f, 1.5f, 47), dy = Tensor.uniform(9, -1, 1, 3, 5, 47);
        Variable xv = Variable.parameter(x);
        Normalization.rmsNorm(xv, Variable.of(w), EPS).backward(dy);
        assertClose(xv.grad(), gpu.download(gpu.gradients().rmsNorm(gpu.upload(x), gpu.upload(w), gpu.upload(dy), EPS)), 2e-6, 1e-5, "rmsNorm dx");
    }

    @Test
    void ropeBackwardIsTheInverseRotation() {
        Tensor x = Tensor.uniform(10, -1, 1, 2, 3, 5, 12), dy = Tensor.uniform(11, -1, 1, 2, 3, 5, 12);
        Tensor positions = Tensor.ofInts(new int[] {3, 4, 5, 6, 900}, 5);
        for (Rope.Layout layout : Rope.Layout.values()) {
            Variable xv = Variable.parameter(x);
            Positional.rope(xv, positions, 10000f, layout).backward(dy);
            DeviceTensor dx = gpu.gradients().rope(gpu.upload(dy), gpu.positions(positions), 10000f, layout);
            assertClose(xv.grad(), gpu.download(dx), 1e-6, 0, "rope dx, " + layout);
        }
    }

    @Test
    void siluGradient() {
        Tensor x = Tensor.uniform(12, -6, 6, 7, 33), dy = Tensor.uniform(13, -1, 1, 7, 33);
        Variable xv = Variable.parameter(x);
        Activations.silu(xv).backward(dy);
        assertClose(xv.grad(), gpu.download(gpu.gradients().silu(gpu.upload(x), gpu.upload(dy))), 2e-6, 1e-5, "silu dx");
    }

    /** Plain, causal (−∞), MMCA two-branch with empty branches, and a REFERENCE μ-fallback row (uniform P). */
    @Test
    void softmaxGradientPlainMaskedAndTwoBranch() {
        int[] codes = {1, 1, 2, 2, 2, 1, 1, 2, 1, 1, 1};
        int l = codes.length;
        Tensor x = Tensor.uniform(14, -3, 3, 2, 3, l, l), dy = Tensor.uniform(15, -1, 1, 2, 3, l, l);
        Tensor[] masks = OpenClTesting.mmcaMasks(codes);
        Tensor image = masks[0].reshape(1, 1, l, l), text = masks[1].reshape(1, 1, l, l);
        Tensor fallback = image.contiguous();
        float mu = -Float.MAX_VALUE;
        for (int j = 0; j < l; j++) fallback.set(j <= 1 ? mu : Float.NEGATIVE_INFINITY, 0, 0, 0, j);   // row 0: keys 0, 1 at μ only
        check(x, dy, null, null, "softmax dx");
        check(x, dy, OpenClTesting.causal(l), null, "causal softmax dx");
        check(x, dy, image, text, "MMCA two-branch softmax dx");
        check(x, dy, fallback, text, "two-branch softmax dx with a μ-fallback row");
    }

    private static void check(Tensor x, Tensor dy, Tensor maskA, Tensor maskB, String what) {
        Variable xv = Variable.parameter(x);
        Variable p = maskA == null ? Normalization.softmax(xv) : Normalization.softmax(xv, maskA);
        if (maskB != null) p = Arith.add(p, Normalization.softmax(xv, maskB));
        p.backward(dy);
        DeviceTensor dx = gpu.gradients().softmax(gpu.upload(x), maskA == null ? null : gpu.upload(maskA), maskB == null ? null : gpu.upload(maskB), gpu.upload(dy));
        assertClose(xv.grad(), gpu.download(dx), 2e-6, 1e-5, what);
    }

    @Test
    void attentionGradientGroupedQueryCausal() {
        Tensor q = Tensor.uniform(16, -1, 1, 2, 4, 7, 16), k = Tensor.uniform(17, -1, 1, 2, 2, 7, 16), v = Tensor.uniform(18, -1, 1, 2, 2, 7, 16);
        attention(q, k, v, OpenClTesting.causal(7), null, "GQA causal attention");
        attention(q, k, v, null, null, "GQA unmasked attention");
    }

    /** MMCA with per-sample masks [B, 1, L, L] (two code patterns), GQA 6/3 heads, D = 10. */
    @Test
    void attentionGradientMmcaTwoBranch() {
        int[][] codes = {{1, 1, 2, 2, 2, 1, 1, 2, 2, 1, 1}, {2, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1}};
        int l = codes[0].length;
        Tensor image = Tensor.zeros(2, 1, l, l), text = Tensor.zeros(2, 1, l, l);
        for (int b = 0; b < 2; b++) {
            Tensor[] m = OpenClTesting.mmcaMasks(codes[b]);
            for (int i = 0; i < l; i++) {
                for (int j = 0; j < l; j++) {
                    image.set(m[0].get(i, j), b, 0, i, j);
                    text.set(m[1].get(i, j), b, 0, i, j);
                }
            }
        }
        Tensor q = Tensor.uniform(19, -1, 1, 2, 6, l, 10), k = Tensor.uniform(20, -1, 1, 2, 3, l, 10), v = Tensor.uniform(21, -1, 1, 2, 3, l, 10);
        attention(q, k, v, image, text, "MMCA attention");
    }

    private static void attention(Tensor q, Tensor k, Tensor v, Tensor maskA, Tensor maskB, String what) {
        Tensor dOut = Tensor.uniform(22, -1, 1, q.shape());
        Variable qv = Variable.parameter(q), kv = Variable.parameter(k), vv = Variable.parameter(v);
        int group = q.dim(1) / k.dim(1);
        Variable kk = repeatHeads(kv, group), vr = repeatHeads(vv, group);
        Variable scores = Arith.mul(Products.matmul(qv, Views.transpose(kk, -2, -1)), (float) (1 / Math.sqrt(q.dim(3))));
        Variable p = maskA == null ? Normalization.softmax(scores) : Normalization.softmax(scores, maskA);
        if (maskB != null) p = Arith.add(p, Normalization.softmax(scores, maskB));
        Products.matmul(p, vr).backward(dOut);
        DeviceGradients.Attention d = gpu.gradients().attention(gpu.upload(q), gpu.upload(k), gpu.upload(v),
                maskA == null ? null : gpu.upload(maskA), maskB == null ? null : gpu.upload(maskB), gpu.upload(dOut));
        assertClose(qv.grad(), gpu.download(d.dq()), 1e-5, 1e-5, what + " dq");
        assertClose(kv.grad(), gpu.download(d.dk()), 1e-5, 1e-5, what + " dk");
        assertClose(vv.grad(), gpu.download(d.dv()), 1e-5, 1e-5, what + " dv");
    }

    private static Variable repeatHeads(Variable x, int group) {
        int b = x.dim(0), hkv = x.dim(1), t = x.dim(2), d = x.dim(3);
        return Views.reshape(Views.contiguous(Views.expand(Views.unsqueeze(x, 2), b, hkv, group, t, d)), b, hkv * group, t, d);
    }

    @Test
    void crossEntropyWithIgnoredLabels() {
        Tensor logits = Tensor.uniform(23, -4, 4, 9, 37);
        int[] labels = {3, -100, 36, 0, -100, 17, 17, 5, -100};
        Variable lv = Variable.parameter(logits);
        Variable loss = Losses.crossEntropy(lv, Tensor.ofInts(labels, labels.length));
        loss.backward();
        DeviceGradients.CrossEntropy ce = gpu.gradients().crossEntropy(gpu.upload(logits), labels, Losses.IGNORE_INDEX);
        assertEquals(loss.value().get(), ce.loss(), 2e-6 * Math.abs(loss.value().get()), "cross-entropy loss");
        assertEquals(6, ce.kept());
        assertClose(lv.grad(), gpu.download(ce.dLogits()), 2e-7, 1e-5, "cross-entropy dLogits");

        int[] none = new int[9];
        java.util.Arrays.fill(none, -100);
        DeviceGradients.CrossEntropy empty = gpu.gradients().crossEntropy(gpu.upload(logits), none, Losses.IGNORE_INDEX);
        assertEquals(0f, empty.loss());
        assertClose(Tensor.zeros(9, 37), gpu.download(empty.dLogits()), 0, 0, "all labels ignored: zero gradient");
        assertThrows(IllegalArgumentException.class, () -> gpu.gradients().crossEntropy(gpu.upload(logits), new int[] {37, 0, 0, 0, 0, 0, 0, 0, 0}, -100));
    }

    /** Repeated ids (summed in position order), accumulation into an existing gradient, an id out of range. */
    @Test
    void embeddingScatterAddIsDeterministic() {
        Tensor table = Tensor.uniform(24, -1, 1, 11, 6), start = Tensor.uniform(25, -1, 1, 11, 6);
        Tensor ids = Tensor.ofInts(new int[] {7, 2, 7, 10, 0, 7, 2, 2}, 2, 4), dy = Tensor.uniform(26, -1, 1, 2, 4, 6);
        Variable tv = Variable.parameter(table);
        Lookups.embedding(tv, ids).backward(dy);
        DeviceTensor grad = gpu.upload(start);
        gpu.gradients().embedding(grad, ids, gpu.upload(dy));
        float[] e = start.toFloatArray(), g = tv.grad().toFloatArray();
        for (int i = 0; i < e.length; i++) e[i] += g[i];
        Tensor first = gpu.download(grad);
        assertClose(Tensor.of(e, 11, 6), first, 1e-6, 0, "embedding scatter-add");
        DeviceTensor again = gpu.upload(start);
        gpu.gradients().embedding(again, ids, gpu.upload(dy));
        assertTrue(java.util.Arrays.equals(first.toFloatArray(), gpu.download(again).toFloatArray()), "the scatter-add repeats bit for bit");
        assertThrows(IllegalArgumentException.class, () -> gpu.gradients().embedding(grad, Tensor.ofInts(new int[] {11}, 1), gpu.upload(Tensor.zeros(1, 6))));
    }
}
