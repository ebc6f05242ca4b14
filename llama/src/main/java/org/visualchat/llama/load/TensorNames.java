package org.visualchat.llama.load;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face LLaMA tensor names and their llama.cpp GGUF (formats.md §1.5) and Meta (§1.3) equivalents:
 * {@code model.embed_tokens.weight ↔ token_embd.weight}, {@code model.layers.N.self_attn.q_proj.weight ↔
 * blk.N.attn_q.weight}, … The model always uses the HF names; a loader maps them to the file's.
 */
final class TensorNames {
    private TensorNames() {}

    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    /** Per-layer suffixes: HF, then GGUF. */
    private static final String[][] LAYER = {
            {"input_layernorm.weight", "attn_norm.weight"},
            {"self_attn.q_proj.weight", "attn_q.weight"},
            {"self_attn.k_proj.weight", "attn_k.weight"},
            {"self_attn.v_proj.weight", "attn_v.weight"},
            {"self_attn.o_proj.weight", "attn_output.weight"},
            {"post_attention_layernorm.weight", "ffn_norm.weight"},
            {"mlp.gate_proj.weight", "ffn_gate.weight"},
            {"mlp.up_proj.weight", "ffn_up.weight"},
            {"mlp.down_proj.weight", "ffn_down.weight"},
    };

    private static final String[][] GLOBAL = {
            {"model.embed_tokens.weight", "token_embd.weight"},
            {"model.norm.weight", "output_norm.weight"},
            {"lm_head.weight", "output.weight"},
    };

    /** The GGUF name of an HF tensor name. */
    static String toGguf(String hf) {
        return map(hf, GLOBAL, LAYER, "blk.");
    }

    private static String map(String hf, String[][] global, String[][] layer, String layerPrefix) {
        for (String[] g : global) if (g[0].equals(hf)) return g[1];
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) for (String[] l : layer) if (l[0].equals(m.group(2))) return layerPrefix + m.group(1) + "." + l[1];
        throw new IllegalArgumentException("no name for tensor " + hf + " in this checkpoint format");
    }

    /** Per-layer suffixes: HF, then Meta (consolidated.*.pth). */
    private static final String[][] META_LAYER = {
            {"input_layernorm.weight", "attention_norm.weight"},
            {"self_attn.q_proj.weight", "attention.wq.weight"},
            {"self_attn.k_proj.weight", "attention.wk.weight"},
            {"self_attn.v_proj.weight", "attention.wv.weight"},
            {"self_attn.o_proj.weight", "attention.wo.weight"},
            {"post_attention_layernorm.weight", "ffn_norm.weight"},
            {"mlp.gate_proj.weight", "feed_forward.w1.weight"},
            {"mlp.up_proj.weight", "feed_forward.w3.weight"},
            {"mlp.down_proj.weight", "feed_forward.w2.weight"},
    };

    private static final String[][] META_GLOBAL = {
            {"model.embed_tokens.weight", "tok_embeddings.weight"},
            {"model.norm.weight", "norm.weight"},
            {"lm_head.weight", "output.weight"},
    };

    /** The Meta name of an HF tensor name (formats.md §1.3). */
    static String toMeta(String hf) {
        return map(hf, META_GLOBAL, META_LAYER, "layers.");
    }

    /** Whether an HF q_proj or k_proj weight: the two whose rows Meta and HF order differently. */
    static boolean isRotated(String hf) {
        return hf.endsWith("self_attn.q_proj.weight") || hf.endsWith("self_attn.k_proj.weight");
    }
}
