package org.visualchat.nn;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraTest {
    @Test
    void wrapsMatchingLinearsWithReferenceNamesAndFreezesTheBaseWeight() {
        TinyLm lm = new TinyLm(11, 8, 2, 2, 2, 16, 0f, 1);
        List<String> wrapped = Lora.apply(lm, NamePattern.contains("model.layers."), 4, 1f, 5);
        assertEquals(14, wrapped.size());   // 2 layers × (q, k, v, o, gate, up, down)
        assertFalse(wrapped.contains("lm_head"));
        var params = lm.namedParameters();
        assertArrayEquals(new int[] {8, 4}, params.get("model.layers.0.self_attn.q_proj.lora_right_weight").shape());
        assertArrayEquals(new int[] {4, 16}, params.get("model.layers.1.mlp.up_proj.lora_left_weight").shape());
        assertFalse(params.get("model.layers.0.self_attn.q_proj.weight").requiresGrad());
        assertTrue(params.get("lm_head.weight").requiresGrad());
        Lora.onlyOptimizeLora(lm.model.layers);
        for (var e : lm.trainableParameters().entrySet()) {
            assertTrue(e.getKey().contains("lora_") || !e.getKey().startsWith("model.layers."), e.getKey());
        }
    }

    @Test
    void outputIsBasePlusScaledLowRankAndGradientsCheck() {
        Linear linear = new Linear(5, 3, true, 2);
        Lora.apply(linear, NamePattern.glob(""), 2, 4f, 9);
        LoraAdapter a = linear.lora();
        assertEquals(2f, a.scaling());
        a.left().setValue(Tensor.randn(3, 1f, 2, 3));   // non-zero B so the path is exercised
        Tensor x = Tensor.randn(4, 1f, 2, 5);
        Tensor base = Elementwise.add(MatMul.linear(x, linear.weight().value()), linear.bias().value());
        Tensor lowRank = Elementwise.mul(MatMul.matmul(MatMul.matmul(x, a.right().value()), a.left().value()), 2f);
        assertArrayEquals(Elementwise.add(base, lowRank).toFloatArray(), linear.forward(Variable.of(x)).value().toFloatArray(), 1e-5f);
        GradCheck.check("lora x", v -> linear.forward(v[0]), GradCheck.strided(5, 2, 5));
        GradCheck.checkParameters("lora factors and bias", () -> linear.forward(Variable.of(x)), List.of(a.right(), a.left(), linear.bias()));
    }

    @Test
    void mergeThenUnmergeRestoresTheLayer() {
        Linear linear = new Linear(6, 4, false, 3);
        Lora.apply(linear, NamePattern.glob(""), 3, 1f, 4);
        linear.lora().left().setValue(Tensor.randn(5, 0.5f, 3, 4));
        Tensor x = Tensor.randn(6, 1f, 5, 6);
        float[] before = linear.forward(Variable.of(x)).value().toFloatArray();
        float[] weight = linear.weight().value().toFloatArray();
        Lora.merge(linear);
        assertTrue(linear.lora().isMerged());
        assertArrayEquals(before, linear.forward(Variable.of(x)).value().toFloatArray(), 1e-5f);
        assertThrows(IllegalStateException.class, () -> Lora.merge(linear));
        Lora.unmerge(linear);
        assertArrayEquals(weight, linear.weight().value().toFloatArray(), 1e-6f);
        assertArrayEquals(before, linear.forward(Variable.of(x)).value().toFloatArray(), 1e-6f);
    }

    @Test
    void mergeKeepsAHalfPrecisionWeightInItsDtype() {
        Linear linear = new Linear(4, 4, false, 3);
        linear.weight().setValue(linear.weight().value().to(DType.BF16));
        Lora.apply(linear, NamePattern.glob(""), 2, 1f, 4);
        Lora.merge(linear);
        assertEquals(DType.BF16, linear.weight().value().dtype());
    }
}
