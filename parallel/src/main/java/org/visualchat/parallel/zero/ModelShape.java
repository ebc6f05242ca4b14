package org.visualchat.parallel.zero;

import java.util.ArrayList;
import java.util.List;

/**
 * Parameter counts of a VisualChat configuration for {@link ZeroPlan}: an LLM decoder and a vision encoder
 * (frozen) plus the trainable token embedding and projection (distributed.md §1.9, §3.5). Counts follow
 * the Hugging Face module shapes exactly (LLaMA-2: no biases, untied lm_head, RMSNorm weights; CLIP: biases,
 * class and position embeddings, pre/post LayerNorm).
 *
 * @param name       preset name(s)
 * @param components what is stored, in forward order
 */
public record ModelShape(String name, List<Component> components) {

    /**
     * A part of the model.
     *
     * @param params        elements
     * @param weightBytes   bytes per stored weight (2 for BF16)
     * @param trainable     updated by the optimizer
     * @param largestUnit   elements of its largest ZeRO-3 unit (a decoder layer, the embedding, …)
     * @param needsBackward a frozen part that gradients flow through (so stage 3 gathers it again in backward);
     *                      false for a frozen encoder ahead of every trainable parameter
     */
    public record Component(String name, long params, int weightBytes, boolean trainable, long largestUnit, boolean needsBackward) {}

    /** LLaMA-2 sizes (hidden, layers, FFN, KV width = KV heads × 128). */
    public enum Llm {
        LLAMA2_7B("llama2-7b", 4096, 32, 11008, 4096),
        LLAMA2_13B("llama2-13b", 5120, 40, 13824, 5120),
        LLAMA2_70B("llama2-70b", 8192, 80, 28672, 1024);

        public final String id;
        final int hidden, layers, ffn, kvWidth;

        Llm(String id, int hidden, int layers, int ffn, int kvWidth) {
            this.id = id;
            this.hidden = hidden;
            this.layers = layers;
            this.ffn = ffn;
            this.kvWidth = kvWidth;
        }

        static final int VOCAB = 32000;

        /** q, o [h, h]; k, v [kv, h]; gate, up [ffn, h]; down [h, ffn]; two RMSNorm weights. */
        long layerParams() {
            long h = hidden;
            return 2 * h * h + 2 * h * kvWidth + 3 * h * ffn + 2 * h;
        }

        long embedParams() { return (long) VOCAB * hidden; }

        /** Everything but the embedding: layers, final norm, lm_head. */
        long frozenParams() { return layers * layerParams() + hidden + (long) VOCAB * hidden; }

        public long totalParams() { return embedParams() + frozenParams(); }
    }

    /** Vision transformers (CLIP-style: biases everywhere, class token, learned positions, pre/post LayerNorm). */
    public enum Vision {
        CLIP_VIT_L_14("clip-vit-l-14", 1024, 24, 4096, 224),
        /** QWen-VL's ViT-bigG/14 at 448 px, transformer only (its attention-pool resampler is not counted). */
        QWEN_VIT_BIGG("qwen-vit-bigg", 1664, 48, 8192, 448);

        public final String id;
        final int width, layers, mlp, image;

        Vision(String id, int width, int layers, int mlp, int image) {
            this.id = id;
            this.width = width;
            this.layers = layers;
            this.mlp = mlp;
            this.image = image;
        }

        long layerParams() {
            long w = width;
            return 4 * (w * w + w) + (w * mlp + mlp) + (mlp * w + w) + 4 * w;
        }

        public long totalParams() {
            long w = width, patches = (long) (image / 14) * (image / 14);
            long embeddings = w + 3L * 14 * 14 * w + (patches + 1) * w;
            return embeddings + 2 * w + layers * layerParams() + 2 * w;
        }
    }

    /** The frozen LLM and encoder in BF16, the trainable embedding and projection (Linear vision width → hidden, with bias). */
    public static ModelShape visualChat(Llm llm, Vision vision) {
        List<Component> c = new ArrayList<>();
        c.add(new Component("vision encoder (frozen)", vision.totalParams(), 2, false, vision.layerParams(), false));
        long projection = (long) vision.width * llm.hidden + llm.hidden;
        c.add(new Component("projection (trainable)", projection, 2, true, projection, true));
        c.add(new Component("embed_tokens (trainable)", llm.embedParams(), 2, true, llm.embedParams(), true));
        c.add(new Component("decoder + lm_head (frozen)", llm.frozenParams(), 2, false, Math.max(llm.layerParams(), (long) Llm.VOCAB * llm.hidden), true));
        return new ModelShape(llm.id + " + " + vision.id, c);
    }
}
