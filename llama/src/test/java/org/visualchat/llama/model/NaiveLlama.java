package org.visualchat.llama.model;

import org.visualchat.tensor.Tensor;

import java.util.Map;

/**
 * An independent double-precision LLaMA forward pass written as plain scalar loops from the HF
 * definition (RMSNorm, rotate-half RoPE, grouped-query causal attention, SwiGLU): the oracle the
 * model is tested against. It shares no code with the model, only the weights (by HF name).
 */
final class NaiveLlama {
    private final LlamaConfig c;
    private final Map<String, double[]> w;

    NaiveLlama(LlamaConfig config, Map<String, Tensor> weights) {
        this.c = config;
        this.w = new java.util.HashMap<>();
        weights.forEach((n, t) -> {
            float[] f = t.to(org.visualchat.tensor.DType.F32).toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            w.put(n, d);
        });
    }

    /** embeds [S][d] of one sequence at positions 0..S−1 → logits [S][vocab]. */
    double[][] forward(double[][] embeds) {
        int s = embeds.length, d = c.hiddenSize();
        double[][] x = new double[s][];
        for (int t = 0; t < s; t++) x[t] = embeds[t].clone();
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] h = new double[s][];
            for (int t = 0; t < s; t++) h[t] = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
            double[][] attn = attention(h, p + "self_attn.");
            for (int t = 0; t < s; t++) for (int i = 0; i < d; i++) x[t][i] += attn[t][i];
            for (int t = 0; t < s; t++) {
                double[] n = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
                double[] g = matvec(w.get(p + "mlp.gate_proj.weight"), n, c.intermediateSize());
                double[] u = matvec(w.get(p + "mlp.up_proj.weight"), n, c.intermediateSize());
                double[] a = new double[g.length];
                for (int i = 0; i < a.length; i++) a[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                double[] m = matvec(w.get(p + "mlp.down_proj.weight"), a, d);
                for (int i = 0; i < d; i++) x[t][i] += m[i];
            }
        }
        double[][] logits = new double[s][];
        double[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("model.embed_tokens.weight");
        for (int t = 0; t < s; t++) logits[t] = matvec(head, rmsNorm(x[t], w.get("model.norm.weight")), c.vocabSize());
        return logits;
    }

    private double[][] attention(double[][] h, String p) {
        int s = h.length, hd = c.headDim(), heads = c.heads(), group = heads / c.kvHeads();
        double[][] q = new double[s][], k = new double[s][], v = new double[s][];
        for (int t = 0; t < s; t++) {
            q[t] = rope(matvec(w.get(p + "q_proj.weight"), h[t], c.hiddenSize()), t);
            k[t] = rope(matvec(w.get(p + "k_proj.weight"), h[t], c.kvDim()), t);
            v[t] = matvec(w.get(p + "v_proj.weight"), h[t], c.kvDim());
        }
        double[][] out = new double[s][c.hiddenSize()];
        for (int t = 0; t < s; t++) {
            for (int hh = 0; hh < heads; hh++) {
                int kvh = hh / group;
                double[] score = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) dot += q[t][hh * hd + i] * k[j][kvh * hd + i];
                    score[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, score[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) sum += (score[j] = Math.exp(score[j] - max));
                for (int j = 0; j <= t; j++) for (int i = 0; i < hd; i++) out[t][hh * hd + i] += score[j] / sum * v[j][kvh * hd + i];
            }
        }
        double[][] o = new double[s][];
        for (int t = 0; t < s; t++) o[t] = matvec(w.get(p + "o_proj.weight"), out[t], c.hiddenSize());
        return o;
    }

    /** HF rotate_half RoPE of every head of x at position pos. */
    private double[] rope(double[] x, int pos) {
        int hd = c.headDim(), half = hd / 2;
        double[] y = x.clone();
        for (int base = 0; base < x.length; base += hd) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(c.ropeTheta(), -2.0 * i / hd);
                double a = x[base + i], b = x[base + i + half];
                y[base + i] = a * Math.cos(angle) - b * Math.sin(angle);
                y[base + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return y;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double r = 1 / Math.sqrt(ms / x.length + c.rmsNormEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * weight[i];
        return y;
    }

    /** W [rows, in] (row-major) · x. */
    private static double[] matvec(double[] weight, double[] x, int rows) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = 0; i < x.length; i++) sum += weight[r * x.length + i] * x[i];
            y[r] = sum;
        }
        return y;
    }
}
