package org.visualchat.nn;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleTest {
    private final TinyLm lm = new TinyLm(11, 8, 2, 2, 1, 16, 0f, 1);

    @Test
    void parameterNamesFollowHuggingFace() {
        List<String> names = List.copyOf(lm.namedParameters().keySet());
        assertEquals("model.embed_tokens.weight", names.get(0));
        assertTrue(names.contains("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(names.contains("model.layers.1.mlp.down_proj.weight"));
        assertTrue(names.contains("model.layers.1.post_attention_layernorm.weight"));
        assertEquals("lm_head.weight", names.getLast());
        // embed 11·8, per layer 2 norms + q/o 8·8 + k/v 8·4 + 3 MLP 8·16, final norm, head 8·11
        assertEquals(11 * 8 + 2 * (2 * 8 + 2 * 64 + 2 * 32 + 3 * 128) + 8 + 88, lm.parameterCount(false));
    }

    @Test
    void freezeAndUnfreezeByPattern() {
        assertEquals(lm.namedParameters().size(), lm.freeze(NamePattern.glob("**")));
        assertEquals(0, lm.parameterCount(true));
        assertEquals(2, lm.unfreeze(NamePattern.glob("model.layers.*.self_attn.q_proj.weight")));
        assertEquals(1, lm.unfreeze(NamePattern.regex("model\\.embed_tokens\\..*")));
        assertEquals(4, lm.unfreeze(NamePattern.contains("layernorm")));
        assertEquals(List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight", "model.layers.0.self_attn.q_proj.weight",
                        "model.layers.0.post_attention_layernorm.weight", "model.layers.1.input_layernorm.weight",
                        "model.layers.1.self_attn.q_proj.weight", "model.layers.1.post_attention_layernorm.weight"),
                List.copyOf(lm.trainableParameters().keySet()));
    }

    @Test
    void globSegmentsDoNotCrossDots() {
        NamePattern p = NamePattern.glob("model.layers.*.mlp.*");
        assertTrue(p.test("model.layers.10.mlp.fc1"));
        assertFalse(p.test("model.layers.1.mlp.fc1.weight"));
        assertTrue(NamePattern.glob("model.**.weight").test("model.layers.1.mlp.fc1.weight"));
        assertFalse(NamePattern.glob("model.layers.?.mlp").test("model.layers.10.mlp"));
    }

    @Test
    void modulesAndRandomSourcesAreNamed() {
        assertTrue(lm.namedModules().containsKey("model.layers.1.self_attn.o_proj"));
        assertEquals(List.of("model.layers.0.dropout", "model.layers.1.dropout"), List.copyOf(lm.randomSources().keySet()));
    }

    @Test
    void duplicateOrDottedNamesAreRejected() {
        class Bad extends Module {
            Bad(String second) {
                parameter("w", org.visualchat.tensor.Tensor.zeros(1));
                parameter(second, org.visualchat.tensor.Tensor.zeros(1));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad("w"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("a.b"));
    }
}
