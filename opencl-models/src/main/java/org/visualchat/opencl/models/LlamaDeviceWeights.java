package org.visualchat.opencl.models;

import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.opencl.DeviceTensor;
import org.visualchat.opencl.OpenClBackend;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.Map;

/**
 * A LLaMA model's weights resident on an OpenCL device, uploaded once: matrices in their stored dtype
 * (F32 into the float arena, BF16/F16/Q8_0/Q4_0 as raw bytes decoded by the kernels), norm weights as F32.
 * A tied {@code lm_head} is the embedding table itself, uploaded once. Projections carrying a LoRA
 * adapter must have it merged (as for the CPU inference path).
 */
record LlamaDeviceWeights(DeviceTensor embedTokens, Layer[] layers, DeviceTensor norm, DeviceTensor lmHead) {
    record Layer(DeviceTensor inputNorm, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor o,
                 DeviceTensor postNorm, DeviceTensor gate, DeviceTensor up, DeviceTensor down) {}

    static LlamaDeviceWeights upload(OpenClBackend gpu, LlamaModel model) {
        Map<String, Variable> p = model.namedParameters();
        Map<String, Module> m = model.namedModules();
        int count = model.config().layers();
        Layer[] layers = new Layer[count];
        for (int i = 0; i < count; i++) {
            String at = "model.layers." + i + ".";
            layers[i] = new Layer(vector(gpu, p, at + "input_layernorm.weight"),
                    projection(gpu, m, at + "self_attn.q_proj"), projection(gpu, m, at + "self_attn.k_proj"),
                    projection(gpu, m, at + "self_attn.v_proj"), projection(gpu, m, at + "self_attn.o_proj"),
                    vector(gpu, p, at + "post_attention_layernorm.weight"),
                    projection(gpu, m, at + "mlp.gate_proj"), projection(gpu, m, at + "mlp.up_proj"), projection(gpu, m, at + "mlp.down_proj"));
        }
        DeviceTensor embed = matrix(gpu, "model.embed_tokens.weight", get(p, "model.embed_tokens.weight"));
        DeviceTensor head = model.config().tieWordEmbeddings() ? embed : projection(gpu, m, "lm_head");
        return new LlamaDeviceWeights(embed, layers, vector(gpu, p, "model.norm.weight"), head);
    }

    /**
     * Device floats and raw bytes the weights take (arena alignment included), to size the backend. Past
     * one byte arena, each arena may leave a tail smaller than the largest tensor unused (a tensor sits in
     * one arena), so that much is added per arena.
     */
    static long[] footprint(LlamaModel model) {
        long floats = 0, bytes = 0, largest = 0;
        for (Map.Entry<String, Variable> e : model.namedParameters().entrySet()) {
            Tensor t = e.getValue().value();
            checkDtype(e.getKey(), t);
            if (t.dtype() == DType.F32 || t.rank() == 1) {
                floats += t.numel() + 16;
            } else {
                long b = t.dtype().byteSize(t.numel()) + 64;
                bytes += b;
                largest = Math.max(largest, b);
            }
        }
        if (bytes > OpenClBackend.Capacity.RAW_ARENA_BYTES) bytes += largest * OpenClBackend.Capacity.RAW_ARENAS;
        return new long[] {floats, bytes};
    }

    /**
     * A projection's weight as the CPU inference path uses it ({@link Linear#inferenceWeight}): a LoRA
     * adapter must be merged, since the device kernels multiply by the stored weight alone.
     */
    private static DeviceTensor projection(OpenClBackend gpu, Map<String, Module> modules, String name) {
        if (!(modules.get(name) instanceof Linear linear)) throw new IllegalArgumentException("the model has no projection " + name);
        return matrix(gpu, name + ".weight", linear.inferenceWeight());
    }

    private static DeviceTensor matrix(OpenClBackend gpu, String name, Tensor t) {
        checkDtype(name, t);
        return gpu.upload(t);
    }

    private static DeviceTensor vector(OpenClBackend gpu, Map<String, Variable> p, String name) {
        return gpu.upload(get(p, name).to(DType.F32));   // the norm kernels take F32 parameters
    }

    private static Tensor get(Map<String, Variable> p, String name) {
        Variable v = p.get(name);
        if (v == null) throw new IllegalArgumentException("the model has no parameter " + name);
        return v.value();
    }

    private static void checkDtype(String name, Tensor t) {
        switch (t.dtype()) {
            case F32, BF16, F16, Q8_0, Q4_0 -> { }
            default -> throw new IllegalArgumentException("weight " + name + " is " + t.dtype()
                    + ": the OpenCL backend has kernels for F32, BF16, F16, Q8_0 and Q4_0 weights (use --device cpu)");
        }
    }

    static long kvFloats(LlamaConfig c, int capacity) {
        return 2L * c.layers() * capacity * c.kvDim();
    }
}
