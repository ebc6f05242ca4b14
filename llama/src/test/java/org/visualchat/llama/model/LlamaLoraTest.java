package org.visualchat.llama.model;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Lora;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA on the frozen LLaMA's own projections (reference §5.3: {@code --lang_lora_dim}, filter {@code model.layers.}). */
class LlamaLoraTest {
    static final LlamaConfig SMALL = LlamaConfig.of(16, 24, 2, 2, 1, 11);

    /** Every adapter's B made non-zero, so the low-rank path changes the output. */
    static void perturb(LlamaModel model, long seed) {
        model.namedParameters().forEach((name, p) -> {
            if (name.endsWith("lora_left_weight")) p.setValue(Tensor.randn(seed + name.hashCode(), 0.5f, p.shape()));
        });
    }

    @Test
    void referenceFilterWrapsEveryDecoderProjectionAndOnlyAdaptersTrain() {
        LlamaModel model = LlamaModel.random(SMALL, 3, DType.BF16);
        List<String> wrapped = Lora.apply(model, NamePattern.contains("model.layers."), 4, 1f, 5);
        assertEquals(14, wrapped.size(), "2 layers × q, k, v, o, gate, up, down: " + wrapped);
        assertTrue(wrapped.contains("model.layers.1.mlp.down_proj"));
        Map<String, Variable> trainable = model.trainableParameters();
        assertEquals(28, trainable.size());
        trainable.keySet().forEach(n -> assertTrue(n.endsWith("lora_right_weight") || n.endsWith("lora_left_weight"), n));
        assertEquals(0.25f, ((Linear) model.namedModules().get("model.layers.0.self_attn.k_proj")).lora().scaling(), "alpha 1 / rank 4");
        assertEquals(DType.BF16, model.namedParameters().get("model.layers.0.self_attn.q_proj.weight").value().dtype(), "base weight untouched");
    }

    @Test
    void gradientsOfTheAdaptersAndTheInputCheck() {
        LlamaModel model = LlamaModel.random(SMALL, 9, DType.F32);
        Lora.apply(model, NamePattern.contains("model.layers.0."), 2, 1f, 4);
        perturb(model, 17);
        Tensor embeds = Tensor.randn(10, 1f, 1, 3, 16);
        GradCheck.checkParameters("llama LoRA factors", () -> model.forward(Variable.of(embeds)), List.copyOf(model.trainableParameters().values()));
        GradCheck.check("llama with LoRA w.r.t. embeddings", xs -> model.forward(xs[0]), embeds);
    }

    @Test
    void inferenceRefusesUnmergedAdaptersAndMatchesTrainingOnceFused() {
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.Q8_0}) {
            LlamaModel model = LlamaModel.random(LlamaModelTest.TINY, 1, type);
            Lora.apply(model, NamePattern.contains("model.layers."), 3, 1f, 2);
            perturb(model, 5);
            Tensor embeds = Tensor.randn(2, 1f, 1, 6, 64);
            Tensor training = model.forward(Variable.of(embeds)).value();
            var e = assertThrows(IllegalStateException.class, () -> model.infer(embeds, model.newCache(1, 6, DType.F32), null));
            assertTrue(e.getMessage().contains("Lora.merge"), e.getMessage());

            Lora.merge(model);
            KvCache cache = model.newCache(1, 6, DType.F32);
            Tensor prefill = model.infer(embeds.narrow(1, 0, 5), cache, null);
            Tensor step = model.inferLast(embeds.narrow(1, 5, 1), cache, null);   // the fused matvec decode path
            // F32: the fused weight is exact up to summation order; BF16 rounds it once; Q8_0 re-quantizes it.
            double tol = switch (type) { case F32 -> 1e-5; case BF16 -> 2e-2; default -> 5e-2; };
            assertTrue(Compare.relativeError(prefill, training.narrow(1, 0, 5).contiguous()) < tol, type + " prefill");
            assertTrue(Compare.relativeError(step, training.narrow(1, 5, 1).contiguous().reshape(1, 67)) < tol, type + " decode");
            assertTrue(Compare.relativeError(model.forward(Variable.of(embeds)).value(), training) < tol, type + " training path after fusing");
        }
    }
}
