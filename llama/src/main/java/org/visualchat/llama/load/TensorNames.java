package org.visualchat.llama.load;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face LLaMA tensor names and their llama.cpp GGUF equivalents (formats.md §1.5):
 * {@code model.embed_tokens.weight ↔ token_embd.weight}, {@code model.layers.N.self_attn.q_proj.weight ↔
 * blk.N.attn_q.weight}, … The model always uses the HF names; a loader maps them to the file's.
 */
final class TensorNames {
    private TensorNames() {}

    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

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
        for (String[] g : GLOBAL) if (g[0].equals(hf)) return g[1];
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) for (String[] l : LAYER) if (l[0].equals(m.group(2))) return "blk." + m.group(1) + "." + l[1];
        throw new IllegalArgumentException("no GGUF name for tensor " + hf);
    }

    /** The HF name of a GGUF tensor name, or null for a tensor a LLaMA model does not have. */
    static String fromGguf(String gguf) {
        for (String[] g : GLOBAL) if (g[1].equals(gguf)) return g[0];
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (m.matches()) for (String[] l : LAYER) if (l[1].equals(m.group(2))) return "model.layers." + m.group(1) + "." + l[0];
        return null;
    }

    /** Whether an HF q_proj or k_proj weight: the two whose rows Meta and HF order differently. */
    static boolean isRotated(String hf) {
        return hf.endsWith("self_attn.q_proj.weight") || hf.endsWith("self_attn.k_proj.weight");
    }
}
