package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;

import java.util.Map;

/**
 * An independent double-precision re-implementation of both encoders with scalar loops, written from
 * the reference descriptions (HF modeling_clip.py, QWen-VL qwen_clip.py, torch upsample_bicubic2d), sharing
 * no code with the main sources. Arrays are [tokens][features].
 */
final class NaiveVit {
    private NaiveVit() {}

    /** A parameter's values as doubles. */
    static double[] w(Map<String, Variable> params, String name) {
        Variable p = params.get(name);
        if (p == null) throw new AssertionError("no parameter " + name);
        float[] f = p.value().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** One image of pixels [B, C, H, W] (flattened floats) as doubles [C][H][W]. */
    static double[][][] image(float[] pixels, int index, int c, int h, int w) {
        double[][][] out = new double[c][h][w];
        int base = index * c * h * w;
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) out[ch][y][x] = pixels[base + (ch * h + y) * w + x];
        return out;
    }

    /** conv2d, kernel = stride = p, no bias: weight [D, C, p, p] → patches in row-major grid order [N][D]. */
    static double[][] patchEmbed(double[][][] img, double[] weight, int d, int p) {
        int c = img.length, gh = img[0].length / p, gw = img[0][0].length / p;
        double[][] out = new double[gh * gw][d];
        for (int py = 0; py < gh; py++)
            for (int px = 0; px < gw; px++)
                for (int o = 0; o < d; o++) {
                    double s = 0;
                    for (int ch = 0; ch < c; ch++)
                        for (int ky = 0; ky < p; ky++)
                            for (int kx = 0; kx < p; kx++)
                                s += weight[((o * c + ch) * p + ky) * p + kx] * img[ch][py * p + ky][px * p + kx];
                    out[py * gw + px][o] = s;
                }
        return out;
    }

    static double[][] layerNorm(double[][] x, double[] g, double[] b, double eps) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v;
            mean /= n;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= n;
            out[i] = new double[n];
            for (int j = 0; j < n; j++) out[i][j] = (x[i][j] - mean) / Math.sqrt(var + eps) * g[j] + b[j];
        }
        return out;
    }

    /** x·Wᵀ + b for W [out, in] stored row-major from row {@code rowStart}; b from {@code rowStart} too (may be null). */
    static double[][] linear(double[][] x, double[] weight, double[] bias, int out, int rowStart) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++)
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[rowStart + o];
                for (int k = 0; k < in; k++) s += x[i][k] * weight[(rowStart + o) * in + k];
                y[i][o] = s;
            }
        return y;
    }

    static double[][] linear(double[][] x, double[] weight, double[] bias, int out) {
        return linear(x, weight, bias, out, 0);
    }

    /** Multi-head softmax attention, no mask: q [L][E], k and v [S][E], head h = columns h·hd ..< (h+1)·hd. */
    static double[][] attention(double[][] q, double[][] k, double[][] v, int heads) {
        int e = q[0].length, hd = e / heads;
        double[][] out = new double[q.length][e];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < q.length; i++) {
                double[] s = new double[k.length];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k.length; j++) {
                    double dot = 0;
                    for (int t = 0; t < hd; t++) dot += q[i][h * hd + t] * k[j][h * hd + t];
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < k.length; j++) z += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < k.length; j++)
                    for (int t = 0; t < hd; t++) out[i][h * hd + t] += s[j] / z * v[j][h * hd + t];
            }
        return out;
    }

    static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) out[i][j] = a[i][j] + b[i][j];
        return out;
    }

    static double[][] map(double[][] x, java.util.function.DoubleUnaryOperator f) {
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) out[i][j] = f.applyAsDouble(x[i][j]);
        return out;
    }

    static double quickGelu(double x) {
        return x / (1 + Math.exp(-1.702 * x));
    }

    /** Exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)). */
    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf by its Maclaurin series (|x| < 3) or the erfc continued fraction (|x| ≥ 3): ~1e-15. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) f = n / 2.0 / (a + f);
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return x < 0 ? -r : r;
    }

    /**
     * torch {@code F.interpolate(mode="bicubic", align_corners=False)} of a table laid out on a gh×gw
     * grid, written directly in 2-D: each output cell mixes a 4×4 neighbourhood (indices clamped).
     */
    static double[][] bicubic(double[][] table, int gh, int gw, int nh, int nw) {
        int d = table[0].length;
        double[][] out = new double[nh * nw][d];
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++) {
                double sy = (y + 0.5) * gh / nh - 0.5, sx = (x + 0.5) * gw / nw - 0.5;
                int fy = (int) Math.floor(sy), fx = (int) Math.floor(sx);
                for (int a = -1; a <= 2; a++)
                    for (int b = -1; b <= 2; b++) {
                        double wgt = keys(sy - (fy + a)) * keys(sx - (fx + b));
                        int iy = Math.min(Math.max(fy + a, 0), gh - 1), ix = Math.min(Math.max(fx + b, 0), gw - 1);
                        for (int c = 0; c < d; c++) out[y * nw + x][c] += wgt * table[iy * gw + ix][c];
                    }
            }
        return out;
    }

    /** Keys' cubic convolution kernel with a = −0.75 at distance s. */
    static double keys(double s) {
        double a = -0.75, t = Math.abs(s);
        if (t <= 1) return (a + 2) * t * t * t - (a + 3) * t * t + 1;
        if (t < 2) return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a;
        return 0;
    }

    static double[][] rows(double[] flat, int n, int d) {
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) System.arraycopy(flat, i * d, out[i], 0, d);
        return out;
    }

    // ---------------------------------------------------------------------------------- HF CLIP

    /** CLIPVisionModel last_hidden_state of one image. */
    static double[][] clip(Map<String, Variable> p, ClipVisionConfig c, double[][][] img) {
        String pre = "vision_model.";
        int d = c.hiddenSize(), g = c.imageSize() / c.patchSize();
        int gh = img[0].length / c.patchSize(), gw = img[0][0].length / c.patchSize();
        double[][] patches = patchEmbed(img, w(p, pre + "embeddings.patch_embedding.weight"), d, c.patchSize());
        double[][] table = rows(w(p, pre + "embeddings.position_embedding.weight"), 1 + g * g, d);
        double[][] pos = table;
        if (gh != g || gw != g) {
            double[][] grid = new double[g * g][];
            System.arraycopy(table, 1, grid, 0, g * g);
            double[][] resized = bicubic(grid, g, g, gh, gw);
            pos = new double[1 + gh * gw][];
            pos[0] = table[0];
            System.arraycopy(resized, 0, pos, 1, gh * gw);
        }
        double[][] x = new double[1 + gh * gw][];
        x[0] = w(p, pre + "embeddings.class_embedding");
        System.arraycopy(patches, 0, x, 1, gh * gw);
        x = add(x, pos);
        double eps = c.layerNormEps();
        x = layerNorm(x, w(p, pre + "pre_layrnorm.weight"), w(p, pre + "pre_layrnorm.bias"), eps);
        for (int l = 0; l < c.layers(); l++) x = clipLayer(p, pre + "encoder.layers." + l + ".", c, x);
        return x;
    }

    /** One CLIPEncoderLayer with parameters named {@code prefix + "self_attn.q_proj.weight"} etc. */
    static double[][] clipLayer(Map<String, Variable> p, String prefix, ClipVisionConfig c, double[][] x) {
        int d = c.hiddenSize();
        double eps = c.layerNormEps();
        double[][] h = layerNorm(x, w(p, prefix + "layer_norm1.weight"), w(p, prefix + "layer_norm1.bias"), eps);
        String a = prefix + "self_attn.";
        double[][] q = linear(h, w(p, a + "q_proj.weight"), w(p, a + "q_proj.bias"), d);
        double[][] k = linear(h, w(p, a + "k_proj.weight"), w(p, a + "k_proj.bias"), d);
        double[][] v = linear(h, w(p, a + "v_proj.weight"), w(p, a + "v_proj.bias"), d);
        double[][] o = linear(attention(q, k, v, c.heads()), w(p, a + "out_proj.weight"), w(p, a + "out_proj.bias"), d);
        x = add(x, o);
        h = layerNorm(x, w(p, prefix + "layer_norm2.weight"), w(p, prefix + "layer_norm2.bias"), eps);
        h = linear(h, w(p, prefix + "mlp.fc1.weight"), w(p, prefix + "mlp.fc1.bias"), c.intermediateSize());
        h = map(h, switch (c.hiddenAct()) {
            case QUICK_GELU -> NaiveVit::quickGelu;
            case GELU -> NaiveVit::gelu;
            default -> throw new AssertionError("naive reference has no " + c.hiddenAct());
        });
        return add(x, linear(h, w(p, prefix + "mlp.fc2.weight"), w(p, prefix + "mlp.fc2.bias"), d));
    }

    // ---------------------------------------------------------------------------------- QWen-VL

    /** The QWen-VL tower (without proj) on one image → [queries][outputDim]. */
    static double[][] qwen(Map<String, Variable> p, QwenVisionConfig c, double[][][] img) {
        int wd = c.width(), e = c.outputDim(), pg = c.positionGrid(), qg = c.queryGrid();
        int gh = img[0].length / c.patchSize(), gw = img[0][0].length / c.patchSize();
        double eps = 1e-6;
        double[][] x = patchEmbed(img, w(p, "conv1.weight"), wd, c.patchSize());
        x = add(x, bicubic(rows(w(p, "positional_embedding"), pg * pg, wd), pg, pg, gh, gw));
        x = layerNorm(x, w(p, "ln_pre.weight"), w(p, "ln_pre.bias"), eps);
        int hd = wd / c.heads();
        for (int l = 0; l < c.layers(); l++) {
            String b = "transformer.resblocks." + l + ".";
            double[][] h = layerNorm(x, w(p, b + "ln_1.weight"), w(p, b + "ln_1.bias"), eps);
            double[][] mixed = linear(h, w(p, b + "attn.in_proj.weight"), w(p, b + "attn.in_proj.bias"), 3 * wd);
            // Per head the fused output holds [q_h | k_h | v_h]; gather them into plain [S][W] matrices.
            double[][] q = new double[x.length][wd], k = new double[x.length][wd], v = new double[x.length][wd];
            for (int i = 0; i < x.length; i++)
                for (int head = 0; head < c.heads(); head++)
                    for (int t = 0; t < hd; t++) {
                        q[i][head * hd + t] = mixed[i][head * 3 * hd + t];
                        k[i][head * hd + t] = mixed[i][head * 3 * hd + hd + t];
                        v[i][head * hd + t] = mixed[i][head * 3 * hd + 2 * hd + t];
                    }
            x = add(x, linear(attention(q, k, v, c.heads()), w(p, b + "attn.out_proj.weight"), w(p, b + "attn.out_proj.bias"), wd));
            h = layerNorm(x, w(p, b + "ln_2.weight"), w(p, b + "ln_2.bias"), eps);
            h = map(linear(h, w(p, b + "mlp.c_fc.weight"), w(p, b + "mlp.c_fc.bias"), c.mlpSize()), NaiveVit::gelu);
            x = add(x, linear(h, w(p, b + "mlp.c_proj.weight"), w(p, b + "mlp.c_proj.bias"), wd));
        }
        // Resampler: nn.MultiheadAttention with packed [Q; K; V] rows.
        String r = "attn_pool.";
        double[][] kv = p.containsKey(r + "kv_proj.weight") ? linear(x, w(p, r + "kv_proj.weight"), null, e) : x;
        kv = layerNorm(kv, w(p, r + "ln_kv.weight"), w(p, r + "ln_kv.bias"), eps);
        double[][] pos = rows(w(p, r + "pos_embed"), qg * qg, e);
        double[][] query = add(layerNorm(rows(w(p, r + "query"), qg * qg, e), w(p, r + "ln_q.weight"), w(p, r + "ln_q.bias"), eps), pos);
        double[][] keys = add(kv, bicubic(pos, qg, qg, gh, gw));
        double[] inW = w(p, r + "attn.in_proj_weight"), inB = w(p, r + "attn.in_proj_bias");
        double[][] q = linear(query, inW, inB, e, 0);
        double[][] k = linear(keys, inW, inB, e, e);
        double[][] v = linear(kv, inW, inB, e, 2 * e);
        double[][] out = linear(attention(q, k, v, c.poolHeads()), w(p, r + "attn.out_proj.weight"), w(p, r + "attn.out_proj.bias"), e);
        return layerNorm(out, w(p, "ln_post.weight"), w(p, "ln_post.bias"), eps);
    }
}
