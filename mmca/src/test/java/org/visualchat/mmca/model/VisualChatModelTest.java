package org.visualchat.mmca.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Joins;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.nn.Lora;
import org.visualchat.nn.NamePattern;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsWriter;

import java.nio.file.Path;
import java.util.LinkedHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.mmca.model.TinyModels.IMAGE;

class VisualChatModelTest {
    static ModelInput twoRows() {
        int[][] ids = {{1, 5, IMAGE, 6, 7, IMAGE, 8, 9}, {1, 4, IMAGE, 10, 11, 2, 2, 2}};
        int[][] codes = {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}};
        int[][] labels = {{-100, -100, -100, -100, 7, -100, 8, 9}, {-100, -100, -100, 10, 11, -100, -100, -100}};
        return new ModelInput(ids, codes, labels, new int[] {2, 1}, TinyModels.pixels(5, 3));
    }

    @Test
    void onlyTheProjectionAndTheEmbeddingCopyReceiveGradients() {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 1);
        assertEquals(new TreeSet<>(List.of("lang_embed.weight", "projection.0.weight", "projection.0.bias", "projection.1.weight", "projection.1.bias")),
                new TreeSet<>(model.trainableParameters().keySet()));
        assertTrue(model.namedParameters().containsKey("lang_decoder.model.embed_tokens.weight"));
        assertTrue(model.namedParameters().keySet().stream().anyMatch(n -> n.startsWith("vis_encoder.")));
        model.loss(twoRows(), false).backward();
        for (Map.Entry<String, Variable> p : model.namedParameters().entrySet()) {
            boolean trainable = p.getKey().startsWith("lang_embed.") || p.getKey().startsWith("projection.");
            if (trainable) assertNotNull(p.getValue().grad(), p.getKey());
            else assertNull(p.getValue().grad(), p.getKey() + " is frozen but got a gradient");
        }
        float[] embedGrad = model.langEmbed().weight().grad().toFloatArray();
        float row10 = 0;
        for (int c = 0; c < TinyModels.HIDDEN; c++) row10 += Math.abs(embedGrad[10 * TinyModels.HIDDEN + c]);
        assertTrue(row10 > 0, "a supervised token's embedding row gets a gradient");
    }

    @Test
    void theLossFromTheAnswerRowsHasTheBitsOfTheLossOverEveryLogit() {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 2);
        SplicedBatch batch = model.splice(twoRows(), VisualChatModel.TRAINING_PAD_MULTIPLE);
        Variable all = ShiftedLoss.crossEntropy(model.logits(batch, false), batch.labels());
        all.backward();
        Map<String, float[]> grads = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, p) -> grads.put(name, p.grad().toFloatArray()));
        model.zeroGrad();
        Variable answers = model.loss(model.splice(twoRows(), VisualChatModel.TRAINING_PAD_MULTIPLE), false);
        answers.backward();
        assertEquals(all.value().get(), answers.value().get(), 0f);
        assertTrue(grads.size() > 0);
        grads.forEach((name, g) -> assertArrayEquals(g, model.trainableParameters().get(name).grad().toFloatArray(), name));
    }

    @Test
    void gradientCheckpointingGivesTheSameLossAndGradients() {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 2);
        Variable plain = model.loss(twoRows(), false);
        plain.backward();
        float[] g = model.projection().namedParameters().get("0.weight").grad().toFloatArray();
        model.zeroGrad();
        Variable checkpointed = model.loss(twoRows(), true);
        checkpointed.backward();
        assertEquals(plain.value().get(), checkpointed.value().get(), 0f);
        assertArrayEquals(g, model.projection().namedParameters().get("0.weight").grad().toFloatArray(), 1e-6f);
    }

    /** Greedy decoding by full recomputation of the whole sequence at every step (no cache). */
    static int[] greedyWithoutCache(VisualChatModel model, int[] prompt, Tensor pixels, int steps) {
        try (NoGrad ignored = NoGrad.enter()) {
            int[] ones = new int[prompt.length];
            Arrays.fill(ones, 1);
            SplicedBatch s = model.splice(new ModelInput(new int[][] {prompt}, new int[][] {ones}, new int[][] {ones}, new int[] {pixels.dim(0)}, pixels), 1);
            List<Variable> rows = new ArrayList<>(List.of(s.embeddings()));
            int[] codes = s.codes()[0];
            int[] out = new int[steps];
            for (int n = 0; n < steps; n++) {
                Variable embeds = Joins.concat(1, rows.toArray(Variable[]::new));
                int len = embeds.dim(1);
                Tensor logits = model.decoder().forward(embeds, LlamaModel.positions(0, len),
                        MmcaAttention.of(model.options().attention(), new int[][] {codes})).value();
                float[] last = logits.narrow(1, len - 1, 1).contiguous().toFloatArray();
                int best = 0;
                for (int i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
                out[n] = best;
                Tensor id = Tensor.ofInts(new int[] {best}, 1, 1);
                rows.add(model.options().frozenEmbeddingForGenerated() ? Variable.of(model.decoder().embedTokens(id)) : model.langEmbed().forward(id));
                codes = Arrays.copyOf(codes, codes.length + 1);
                codes[codes.length - 1] = 1;
            }
            return out;
        }
    }

    @Test
    void kvCacheGenerationEqualsFullRecomputationInEveryMode() {
        int[] prompt = {1, 5, 6, IMAGE, 7, 8, IMAGE, 9};
        for (VisualChatOptions options : new VisualChatOptions[] {VisualChatOptions.defaults(), VisualChatOptions.original(),
                VisualChatOptions.defaults().withAttention(MmcaMode.CAUSAL)}) {
            VisualChatModel model = TinyModels.model(options, 3);
            // Make the trained copy differ from the frozen table so the parity flag matters.
            model.langEmbed().weight().setValue(Tensor.randn(77, 1f, TinyModels.VOCAB, TinyModels.HIDDEN));
            Tensor pixels = TinyModels.pixels(6, 2);
            List<Integer> streamed = new ArrayList<>();
            int[] cached = model.generate(prompt, pixels, 6, streamed::add);
            int[] expected = greedyWithoutCache(model, prompt, pixels, cached.length);
            assertTrue(cached.length >= 3, "too short to compare decode steps: " + Arrays.toString(cached));
            assertArrayEquals(expected, cached, options.toString());
            assertEquals(cached.length, streamed.size());
        }
    }

    @Test
    void trainedParametersLoadFromAStateDictWithTheOriginalsNames(@TempDir Path dir) throws Exception {
        VisualChatModel trained = TinyModels.model(VisualChatOptions.defaults(), 4);
        trained.langEmbed().weight().setValue(Tensor.randn(8, 1f, TinyModels.VOCAB, TinyModels.HIDDEN));
        Map<String, Tensor> full = new LinkedHashMap<>();
        trained.namedParameters().forEach((n, p) -> full.put(n, p.value()));          // like the original's full state dict
        Path file = dir.resolve("pytorch_model.safetensors");
        SafetensorsWriter.write(file, full);
        VisualChatModel fresh = TinyModels.model(VisualChatOptions.defaults(), 5);
        fresh.loadTrained(file);
        for (String name : trained.trainableParameters().keySet()) {
            assertArrayEquals(trained.namedParameters().get(name).value().toFloatArray(), fresh.namedParameters().get(name).value().toFloatArray(), name);
        }
        full.remove("projection.0.bias");
        SafetensorsWriter.write(file, full);
        var e = assertThrows(IllegalArgumentException.class, () -> fresh.loadTrained(file));
        assertTrue(e.getMessage().contains("projection.0.bias missing"), e.getMessage());
    }
    @Test
    void languageLoraTrainsOnlyAdaptersSavesThemAndGeneratesOnceFused(@TempDir Path dir) throws Exception {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 6);
        assertEquals(14, Lora.apply(model.decoder(), NamePattern.contains("model.layers."), 4, 1f, 7).size());
        model.namedParameters().forEach((n, p) -> { if (n.endsWith("lora_left_weight")) p.setValue(Tensor.randn(n.hashCode(), 0.3f, p.shape())); });
        Variable loss = model.loss(twoRows(), false);
        loss.backward();
        for (Map.Entry<String, Variable> p : model.namedParameters().entrySet()) {
            String n = p.getKey();
            boolean adapter = n.startsWith("lang_decoder.model.layers.") && n.contains(".lora_");
            boolean trainable = adapter || n.startsWith("lang_embed.") || n.startsWith("projection.");
            assertEquals(trainable, p.getValue().grad() != null, n);
        }
        Path file = dir.resolve("model.safetensors");
        StateDict.save(model, file, true);                                  // trainable tensors only
        VisualChatModel fresh = TinyModels.model(VisualChatOptions.defaults(), 6);
        Lora.apply(fresh.decoder(), NamePattern.contains("model.layers."), 4, 1f, 99);
        fresh.loadTrained(file);
        assertEquals(loss.value().get(), fresh.loss(twoRows(), false).value().get(), 1e-6f);

        int[] prompt = {1, 5, 6, IMAGE, 7, 8};
        Tensor pixels = TinyModels.pixels(6, 1);
        int[] expected = greedyWithoutCache(fresh, prompt, pixels, 4);      // training forward, adapters applied
        var e = assertThrows(IllegalStateException.class, () -> fresh.generate(prompt, pixels, 4, t -> {}));
        assertTrue(e.getMessage().contains("Lora.merge"), e.getMessage());
        Lora.merge(fresh);
        int[] generated = fresh.generate(prompt, pixels, 4, t -> {});
        assertTrue(generated.length >= 2, "too short to compare: " + Arrays.toString(generated));
        assertArrayEquals(Arrays.copyOf(expected, generated.length), generated);
    }
    @Test
    void visionLoraMakesTheFrozenTowerRunOnTheTapeForItsAdaptersOnly() {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 8);
        List<String> wrapped = Lora.apply(model.encoder().module(), NamePattern.contains("encoder.layers."), 2, 1f, 3);   // --vis_lora_dim 2
        assertEquals(12, wrapped.size(), "2 layers × q, k, v, out_proj, fc1, fc2: " + wrapped);
        assertTrue(wrapped.contains("vision_model.encoder.layers.1.self_attn.out_proj"), wrapped.toString());
        model.loss(twoRows(), false).backward();
        for (Map.Entry<String, Variable> p : model.namedParameters().entrySet()) {
            if (!p.getKey().startsWith("vis_encoder.")) continue;
            assertEquals(p.getKey().contains(".lora_"), p.getValue().grad() != null, p.getKey());
        }
    }
}
