package org.visualchat.mmca.model;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipEncoderLayer;
import org.visualchat.vision.encoder.ClipVisionConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProjectionTest {
    static Map<String, List<Integer>> shapes(VisualProjection p) {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        p.namedParameters().forEach((n, v) -> m.put(n, java.util.Arrays.stream(v.shape()).boxed().toList()));
        return m;
    }

    static double[] vals(Variable v) {
        float[] f = v.value().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** y = x·Wᵀ + b over rows of width in. */
    static double[] linear(double[] x, int rows, int in, double[] w, double[] b, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
            y[r * out + o] = s;
        }
        return y;
    }

    static double[] layerNorm(double[] x, int rows, int d, double[] g, double[] b) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < d; i++) mean += x[r * d + i] / d;
            for (int i = 0; i < d; i++) var += Math.pow(x[r * d + i] - mean, 2) / d;
            for (int i = 0; i < d; i++) y[r * d + i] = (x[r * d + i] - mean) / Math.sqrt(var + 1e-12) * g[i] + b[i];
        }
        return y;
    }

    static void assertClose(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tol * (1 + Math.abs(expected[i])), "element " + i);
    }

    @Test
    void baselineIsLinearThenLayerNormWithTheReferenceNames() {
        BaselineProjection p = new BaselineProjection(5, 7, 1);
        assertEquals(Map.of("0.weight", List.of(7, 5), "0.bias", List.of(7), "1.weight", List.of(7), "1.bias", List.of(7)), shapes(p));
        Tensor x = Tensor.randn(2, 1f, 3, 4, 5);
        Map<String, Variable> w = p.namedParameters();
        double[] expected = layerNorm(linear(vals(Variable.of(x)), 12, 5, vals(w.get("0.weight")), vals(w.get("0.bias")), 7), 12, 7,
                vals(w.get("1.weight")), vals(w.get("1.bias")));
        assertClose(expected, p.forward(Variable.of(x)).value().toFloatArray(), 1e-4);
    }

    @Test
    void perceiverMatchesANaiveCrossAttentionAndHasTheReferenceNames() {
        int h = 8, heads = 2, dv = 6, n = 2, p = 1 + 256;
        PerceiverProjection proj = new PerceiverProjection(dv, h, heads, 3);
        Map<String, List<Integer>> expectedShapes = new LinkedHashMap<>();
        expectedShapes.put("pos_embed", List.of(256, h));
        expectedShapes.put("query", List.of(256, h));
        expectedShapes.put("kv_proj.weight", List.of(h, dv));
        expectedShapes.put("kv_proj.bias", List.of(h));
        expectedShapes.put("attn.in_proj_weight", List.of(3 * h, h));
        expectedShapes.put("attn.in_proj_bias", List.of(3 * h));
        expectedShapes.put("attn.out_proj.weight", List.of(h, h));
        expectedShapes.put("attn.out_proj.bias", List.of(h));
        for (String ln : List.of("ln_q", "ln_kv", "projection.0")) {
            expectedShapes.put(ln + ".weight", List.of(h));
            expectedShapes.put(ln + ".bias", List.of(h));
        }
        expectedShapes.put("projection.1.weight", List.of(h, h));
        expectedShapes.put("projection.1.bias", List.of(h));
        assertEquals(expectedShapes.entrySet().stream().sorted(Map.Entry.comparingByKey()).collect(Collectors.toList()),
                shapes(proj).entrySet().stream().sorted(Map.Entry.comparingByKey()).collect(Collectors.toList()));
        assertFalse(proj.trainableParameters().containsKey("pos_embed"), "pos_embed is frozen as in the original");

        // Break the symmetric LayerNorm init so a swapped gamma/beta would show.
        for (String ln : List.of("ln_q", "ln_kv", "projection.0")) {
            proj.namedParameters().get(ln + ".weight").setValue(Tensor.uniform(11 + ln.length(), 0.5f, 1.5f, h));
            proj.namedParameters().get(ln + ".bias").setValue(Tensor.uniform(12 + ln.length(), -0.5f, 0.5f, h));
        }
        proj.namedParameters().get("query").setValue(Tensor.randn(13, 1f, 256, h));
        Tensor x = Tensor.randn(4, 1f, n, p, dv);
        Map<String, Variable> w = proj.namedParameters();
        double[] pos = vals(w.get("pos_embed")), inW = vals(w.get("attn.in_proj_weight")), inB = vals(w.get("attn.in_proj_bias"));
        double[] q = layerNorm(vals(w.get("query")), 256, h, vals(w.get("ln_q.weight")), vals(w.get("ln_q.bias")));
        for (int i = 0; i < q.length; i++) q[i] += pos[i];
        double[] wq = java.util.Arrays.copyOfRange(inW, 0, h * h), wk = java.util.Arrays.copyOfRange(inW, h * h, 2 * h * h), wv = java.util.Arrays.copyOfRange(inW, 2 * h * h, 3 * h * h);
        double[] bq = java.util.Arrays.copyOfRange(inB, 0, h), bk = java.util.Arrays.copyOfRange(inB, h, 2 * h), bv = java.util.Arrays.copyOfRange(inB, 2 * h, 3 * h);
        double[] qp = linear(q, 256, h, wq, bq, h);
        double[] xd = vals(Variable.of(x));
        double[] expected = new double[n * 256 * h];
        int hd = h / heads;
        for (int img = 0; img < n; img++) {
            double[] patches = java.util.Arrays.copyOfRange(xd, (img * p + 1) * dv, (img + 1) * p * dv);     // CLS dropped
            double[] kv = layerNorm(linear(patches, 256, dv, vals(w.get("kv_proj.weight")), vals(w.get("kv_proj.bias")), h), 256, h,
                    vals(w.get("ln_kv.weight")), vals(w.get("ln_kv.bias")));
            double[] keyIn = kv.clone();
            for (int i = 0; i < keyIn.length; i++) keyIn[i] += pos[i];                                      // 16×16 grid: no resize
            double[] kp = linear(keyIn, 256, h, wk, bk, h), vp = linear(kv, 256, h, wv, bv, h);
            double[] mixed = new double[256 * h];
            for (int head = 0; head < heads; head++) for (int i = 0; i < 256; i++) {
                double[] s = new double[256];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < 256; j++) {
                    for (int c = 0; c < hd; c++) s[j] += qp[i * h + head * hd + c] * kp[j * h + head * hd + c];
                    s[j] /= Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j < 256; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < 256; j++) for (int c = 0; c < hd; c++) mixed[i * h + head * hd + c] += s[j] / sum * vp[j * h + head * hd + c];
            }
            double[] o = linear(mixed, 256, h, vals(w.get("attn.out_proj.weight")), vals(w.get("attn.out_proj.bias")), h);
            double[] y = linear(layerNorm(o, 256, h, vals(w.get("projection.0.weight")), vals(w.get("projection.0.bias"))), 256, h,
                    vals(w.get("projection.1.weight")), vals(w.get("projection.1.bias")), h);
            System.arraycopy(y, 0, expected, img * 256 * h, y.length);
        }
        assertClose(expected, proj.forward(Variable.of(x)).value().toFloatArray(), 2e-4);
    }

    @Test
    void perceiverResizesKeyPositionsAndRejectsTokensWithoutCls() {
        PerceiverProjection proj = new PerceiverProjection(6, 8, 2, 5);
        assertArrayEquals(new int[] {3, 256, 8}, proj.forward(Variable.of(Tensor.randn(1, 1f, 3, 1 + 36, 6))).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> proj.forward(Variable.of(Tensor.randn(1, 1f, 1, 256, 6))));
        assertTrue(e.getMessage().contains("CLS"), e.getMessage());
    }

    @Test
    void vitIsOneClipEncoderLayerThenTheBaseline() {
        ClipVisionConfig c = new ClipVisionConfig(8, 16, 1, 2, 28, 14, 3, Activation.QUICK_GELU, 1e-5f);
        VitProjection proj = new VitProjection(c, 12, 7);
        assertTrue(proj.namedParameters().containsKey("vis_layer.self_attn.q_proj.weight"), proj.namedParameters().keySet().toString());
        assertTrue(proj.namedParameters().containsKey("vis_layer.mlp.fc1.weight"));
        assertTrue(proj.namedParameters().containsKey("projection.0.weight") && proj.namedParameters().containsKey("projection.1.bias"));
        ClipEncoderLayer sameLayer = new ClipEncoderLayer(c, 7);
        BaselineProjection sameHead = new BaselineProjection(8, 12, 8);
        Variable x = Variable.of(Tensor.randn(9, 1f, 2, 5, 8));
        assertArrayEquals(sameHead.forward(sameLayer.forward(x)).value().toFloatArray(), proj.forward(x).value().toFloatArray());
    }
}
