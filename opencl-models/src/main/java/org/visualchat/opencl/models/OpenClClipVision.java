package org.visualchat.opencl.models;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.opencl.DeviceTensor;
import org.visualchat.opencl.OpenClBackend;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.util.Map;

/**
 * The CLIP vision encoder on an OpenCL device: HF {@code CLIPVisionModel}'s {@code last_hidden_state}
 * (CLS + patch tokens, no post-LayerNorm; reference §1.2.2), the same as
 * {@link ClipVisionEncoder#encode} at the native resolution. Weights are uploaded once (F32; a LoRA
 * adapter on a projection must be merged first); an
 * {@link #encode} call uploads the patch pixels and downloads the features, nothing else.
 *
 * <pre>{@code
 * try (OpenClClipVision vit = OpenClClipVision.open(encoder, "opencl", 4)) {   // device batches of up to 4 images
 *     Tensor features = vit.encode(encoder.preprocessor().preprocessBatch(images));   // [B, 257, 1024]
 * }
 * }</pre>
 */
public final class OpenClClipVision implements AutoCloseable {
    private record Layer(DeviceTensor ln1w, DeviceTensor ln1b, DeviceTensor wq, DeviceTensor bq, DeviceTensor wk, DeviceTensor bk,
                         DeviceTensor wv, DeviceTensor bv, DeviceTensor wo, DeviceTensor bo, DeviceTensor ln2w, DeviceTensor ln2b,
                         DeviceTensor fc1, DeviceTensor b1, DeviceTensor fc2, DeviceTensor b2) {}

    private static final String P = "vision_model.";

    private final ClipVisionConfig config;
    private final OpenClBackend gpu;
    private final int maxBatch;
    private final DeviceTensor patchWeight, classEmbedding, positions, preNormW, preNormB;
    private final Layer[] layers;

    private OpenClClipVision(ClipVisionEncoder encoder, OpenClBackend gpu, int maxBatch) {
        this.config = encoder.config();
        this.gpu = gpu;
        this.maxBatch = maxBatch;
        Map<String, Variable> p = encoder.module().namedParameters();
        Map<String, Module> m = encoder.module().namedModules();
        int d = config.hiddenSize(), c = config.channels(), k = config.patchSize();
        patchWeight = gpu.upload(get(p, P + "embeddings.patch_embedding.weight").reshape(d, c * k * k));   // conv = linear over patches
        classEmbedding = gpu.upload(get(p, P + "embeddings.class_embedding").reshape(1, 1, d));
        positions = gpu.upload(get(p, P + "embeddings.position_embedding.weight"));
        preNormW = gpu.upload(get(p, P + "pre_layrnorm.weight"));
        preNormB = gpu.upload(get(p, P + "pre_layrnorm.bias"));
        layers = new Layer[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            String at = P + "encoder.layers." + i + ".";
            layers[i] = new Layer(up(p, at + "layer_norm1.weight"), up(p, at + "layer_norm1.bias"),
                    linear(m, at + "self_attn.q_proj"), up(p, at + "self_attn.q_proj.bias"),
                    linear(m, at + "self_attn.k_proj"), up(p, at + "self_attn.k_proj.bias"),
                    linear(m, at + "self_attn.v_proj"), up(p, at + "self_attn.v_proj.bias"),
                    linear(m, at + "self_attn.out_proj"), up(p, at + "self_attn.out_proj.bias"),
                    up(p, at + "layer_norm2.weight"), up(p, at + "layer_norm2.bias"),
                    linear(m, at + "mlp.fc1"), up(p, at + "mlp.fc1.bias"), linear(m, at + "mlp.fc2"), up(p, at + "mlp.fc2.bias"));
        }
    }

    /** Opens {@code device} with arenas sized for this encoder and device batches of up to {@code maxBatch} images. */
    public static OpenClClipVision open(ClipVisionEncoder encoder, String device, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        OpenClBackend gpu = OpenClBackend.open(device, capacity(encoder, maxBatch));
        try {
            return new OpenClClipVision(encoder, gpu, maxBatch);
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * Weights (as F32) plus one layer's activations for maxBatch images of T tokens: about
     * B·T·(12·d + 4·mlp) floats and two B·H·T·T score matrices, plus the patches and the residual.
     */
    private static OpenClBackend.Capacity capacity(ClipVisionEncoder encoder, int maxBatch) {
        ClipVisionConfig c = encoder.config();
        long weights = 0;
        for (Variable v : encoder.module().namedParameters().values()) weights += v.value().numel() + 16;
        long b = maxBatch, t = c.tokens(), d = c.hiddenSize(), patch = (long) c.channels() * c.patchSize() * c.patchSize();
        long activations = b * t * (12 * d + 4L * c.intermediateSize()) + 2 * b * c.heads() * t * t + b * (t - 1) * (patch + d) + 3 * b * t * d;
        long floats = weights + activations + 64 * 16 + 4096;
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("this encoder needs " + floats + " device floats for batches of " + maxBatch + "; the OpenCL arena holds at most 2^31");
        }
        return new OpenClBackend.Capacity((int) Math.max(floats, OpenClBackend.Capacity.MIN_HEAP_FLOATS), 64, 64);
    }

    public String deviceDescription() { return gpu.deviceDescription(); }

    /** Whether the kernels run on the OpenCL device (false would mean Aparapi's Java fallback). */
    public boolean ranOnOpenCl() { return gpu.ranOnOpenCl(); }

    public TransferStats transfers() { return gpu.transfers(); }

    /**
     * pixels F32 [B, C, H, W] at the native resolution → last_hidden_state F32 [B, 1 + (H/p)·(W/p), D];
     * more than {@code maxBatch} images run as several device batches.
     */
    public Tensor encode(Tensor pixels) {
        int s = config.imageSize(), c = config.channels();
        if (pixels.rank() != 4 || pixels.dim(1) != c || pixels.dim(2) != s || pixels.dim(3) != s || pixels.dim(0) < 1) {
            throw new IllegalArgumentException("pixels must be [B, " + c + ", " + s + ", " + s
                    + "] (the native resolution; other sizes run on the CPU encoder), got " + pixels);
        }
        int b = pixels.dim(0), perImage = config.tokens() * config.hiddenSize();
        if (b <= maxBatch) return encodeBatch(pixels);
        float[] out = new float[b * perImage];
        for (int start = 0; start < b; start += maxBatch) {
            int n = Math.min(maxBatch, b - start);
            System.arraycopy(encodeBatch(pixels.narrow(0, start, n)).toFloatArray(), 0, out, start * perImage, n * perImage);
        }
        return Tensor.of(out, b, config.tokens(), config.hiddenSize());
    }

    private Tensor encodeBatch(Tensor pixels) {
        int b = pixels.dim(0), d = config.hiddenSize(), t = config.tokens();
        try (OpenClBackend.Scope ignored = gpu.scope()) {
            DeviceTensor tokens = gpu.linear(gpu.upload(patches(pixels, config.patchSize())), patchWeight);        // [B, N, D]
            DeviceTensor x = gpu.allocate(b, t, d);
            for (int i = 0; i < b; i++) gpu.writeSlice(x.slice(i, 1), 1, 0, classEmbedding);
            gpu.writeSlice(x, 1, 1, tokens);
            x = gpu.layerNorm(gpu.add(x, positions), preNormW, preNormB, config.layerNormEps());
            for (Layer layer : layers) {
                try (OpenClBackend.Scope perLayer = gpu.scope()) {
                    gpu.writeSlice(x, 0, 0, layer(layer, x));
                }
            }
            return gpu.download(x);
        }
    }

    /** One HF CLIPEncoderLayer: x + out_proj(attn(ln1(x))), then + fc2(act(fc1(ln2(·)))). */
    private DeviceTensor layer(Layer l, DeviceTensor x) {
        float eps = config.layerNormEps();
        DeviceTensor h = gpu.layerNorm(x, l.ln1w(), l.ln1b(), eps);
        DeviceTensor q = heads(gpu.add(gpu.linear(h, l.wq()), l.bq()));
        DeviceTensor k = heads(gpu.add(gpu.linear(h, l.wk()), l.bk()));
        DeviceTensor v = heads(gpu.add(gpu.linear(h, l.wv()), l.bv()));
        DeviceTensor a = gpu.transpose(gpu.attention(q, k, v, null), 1, 2).reshape(x.shape());
        DeviceTensor x2 = gpu.add(x, gpu.add(gpu.linear(a, l.wo()), l.bo()));
        DeviceTensor h2 = gpu.layerNorm(x2, l.ln2w(), l.ln2b(), eps);
        DeviceTensor m = gpu.add(gpu.linear(activation(gpu.add(gpu.linear(h2, l.fc1()), l.b1())), l.fc2()), l.b2());
        return gpu.add(x2, m);
    }

    private DeviceTensor heads(DeviceTensor t) {
        int d = config.hiddenSize(), h = config.heads();
        return gpu.transpose(t.reshape(t.dim(0), t.dim(1), h, d / h), 1, 2);
    }

    private DeviceTensor activation(DeviceTensor x) {
        Activation act = config.hiddenAct();
        return switch (act) {
            case QUICK_GELU -> gpu.quickGelu(x);
            case GELU -> gpu.gelu(x);
            case GELU_TANH -> gpu.geluTanh(x);
            case SILU -> gpu.silu(x);
            case RELU -> gpu.relu(x);
        };
    }

    /**
     * pixels [B, C, H, W] → [B, (H/p)·(W/p), C·p·p], each patch flattened in the conv weight's (c, ky, kx)
     * order, so the patch embedding (Conv2d with kernel = stride = p, no bias) is one matrix product.
     */
    static Tensor patches(Tensor pixels, int p) {
        int b = pixels.dim(0), c = pixels.dim(1), h = pixels.dim(2), w = pixels.dim(3), gh = h / p, gw = w / p;
        float[] in = pixels.contiguous().toFloatArray(), out = new float[b * gh * gw * c * p * p];
        int o = 0;
        for (int i = 0; i < b; i++) {
            for (int gy = 0; gy < gh; gy++) {
                for (int gx = 0; gx < gw; gx++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            int row = ((i * c + ch) * h + gy * p + ky) * w + gx * p;
                            System.arraycopy(in, row, out, o, p);
                            o += p;
                        }
                    }
                }
            }
        }
        return Tensor.of(out, b, gh * gw, c * p * p);
    }

    private DeviceTensor up(Map<String, Variable> p, String name) {
        return gpu.upload(get(p, name));
    }

    /** A projection's weight through {@link Linear#inferenceWeight}: an unmerged LoRA adapter is refused, not dropped. */
    private DeviceTensor linear(Map<String, Module> modules, String name) {
        if (!(modules.get(name) instanceof Linear layer)) throw new IllegalArgumentException("the encoder has no projection " + name);
        return gpu.upload(layer.inferenceWeight().to(DType.F32));
    }

    private static Tensor get(Map<String, Variable> p, String name) {
        Variable v = p.get(name);
        if (v == null) throw new IllegalArgumentException("the encoder has no parameter " + name);
        return v.value().to(DType.F32);
    }

    @Override
    public void close() {
        gpu.close();
    }
}
