package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsWriter;
import org.visualchat.tensor.io.TensorFileException;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint round trips with Hugging Face / QWen names, and the errors for files that do not fit. */
class EncoderLoadingTest {
    @TempDir
    Path tmp;

    private static final ClipVisionConfig CLIP = EncoderFixtures.tinyClip(Activation.QUICK_GELU);

    private static Map<String, Tensor> stateDict(org.visualchat.nn.Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.namedParameters().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    /** A CLIPModel config.json (vision part nested, text part present) for the tiny config. */
    private static String clipModelConfig() {
        return """
                {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 8,
                 "text_config": {"hidden_size": 8, "num_hidden_layers": 1},
                 "vision_config": {"hidden_size": 12, "intermediate_size": 20, "num_hidden_layers": 2,
                   "num_attention_heads": 3, "image_size": 12, "patch_size": 4, "hidden_act": "quick_gelu",
                   "layer_norm_eps": 1e-05, "model_type": "clip_vision_model"}}
                """;
    }

    /** Writes a CLIP model directory; {@code edit} may change the tensors first. */
    private Path clipDir(ClipVisionEncoder source, Consumer<Map<String, Tensor>> edit) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tiny-clip-model"));
        Map<String, Tensor> tensors = stateDict(source);
        tensors.put("vision_model.embeddings.position_ids", Tensor.ofLongs(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 10));
        tensors.put("text_model.embeddings.token_embedding.weight", Tensor.randn(1, 1f, 5, 8));
        tensors.put("visual_projection.weight", Tensor.randn(2, 1f, 8, 12));
        tensors.put("logit_scale", Tensor.scalar(2.6f));
        edit.accept(tensors);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        Files.writeString(dir.resolve("config.json"), clipModelConfig());
        return dir;
    }

    private static void assertSameOutput(VisionEncoder a, VisionEncoder b, Tensor px, double tol) {
        float[] x = a.encode(px).value().toFloatArray(), y = b.encode(px).value().toFloatArray();
        assertEquals(x.length, y.length);
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], tol * (1 + Math.abs(x[i])), "element " + i);
    }

    @Test
    void clipRoundTripsThroughAHuggingFaceDirectory() throws IOException {
        ClipVisionEncoder original = new ClipVisionEncoder(CLIP, 3);
        EncoderFixtures.randomise(original, 8);
        VisionEncoder loaded = VisionEncoders.load(clipDir(original, t -> {}));
        ClipVisionEncoder clip = assertInstanceOf(ClipVisionEncoder.class, loaded);
        assertEquals(CLIP, clip.config());
        assertEquals(false, clip.isTrainable());
        assertSameOutput(original, clip, EncoderFixtures.pixels(1, 2, 12, 12), 0);
    }

    @Test
    void bf16CheckpointKeepsLinearWeightsInBf16() throws IOException {
        ClipVisionEncoder original = new ClipVisionEncoder(CLIP, 3);
        EncoderFixtures.randomise(original, 8);
        Path dir = clipDir(original, t -> t.replaceAll((n, v) -> v.dtype() == DType.F32 ? v.to(DType.BF16) : v));
        ClipVisionEncoder clip = ClipVisionEncoder.load(dir);
        Map<String, Variable> p = clip.namedParameters();
        assertEquals(DType.BF16, p.get("vision_model.encoder.layers.0.mlp.fc1.weight").value().dtype());
        assertEquals(DType.F32, p.get("vision_model.encoder.layers.0.mlp.fc1.bias").value().dtype());
        assertEquals(DType.F32, p.get("vision_model.pre_layrnorm.weight").value().dtype());
        // bf16 keeps ~3 significant digits: outputs agree with the F32 model to that level.
        assertSameOutput(original, clip, EncoderFixtures.pixels(1, 1, 12, 12), 5e-2);
    }

    @Test
    void clipMismatchesAreReportedWithFileAndTensorNames() throws IOException {
        ClipVisionEncoder original = new ClipVisionEncoder(CLIP, 3);
        Path missing = clipDir(original, t -> t.remove("vision_model.encoder.layers.1.mlp.fc2.bias"));
        String m1 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(missing)).getMessage();
        assertTrue(m1.contains("model.safetensors") && m1.contains("missing: vision_model.encoder.layers.1.mlp.fc2.bias"), m1);

        Path shaped = clipDir(original, t -> t.put("vision_model.pre_layrnorm.weight", Tensor.zeros(13)));
        String m2 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(shaped)).getMessage();
        assertTrue(m2.contains("vision_model.pre_layrnorm.weight has shape [13], expected [12]"), m2);

        Path extra = clipDir(original, t -> t.put("vision_model.encoder.layers.2.layer_norm1.weight", Tensor.zeros(12)));
        String m3 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(extra)).getMessage();
        assertTrue(m3.contains("unexpected: vision_model.encoder.layers.2.layer_norm1.weight"), m3);

        Path ints = clipDir(original, t -> t.put("vision_model.embeddings.class_embedding", Tensor.ofInts(new int[12], 12)));
        String m4 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(ints)).getMessage();
        assertTrue(m4.contains("vision_model.embeddings.class_embedding has dtype I32"), m4);
    }

    @Test
    void badConfigsNameTheFileAndField() throws IOException {
        Path dir = clipDir(new ClipVisionEncoder(CLIP, 3), t -> {});
        Files.writeString(dir.resolve("config.json"), "{\"vision_config\": {\"hidden_size\": \"big\"}}");
        String m1 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(dir)).getMessage();
        assertTrue(m1.contains("config.json") && m1.contains("hidden_size must be a positive integer, got big"), m1);
        Files.writeString(dir.resolve("config.json"), "{\"vision_config\": {\"hidden_size\": 10, \"num_attention_heads\": 3}}");
        String m2 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(dir)).getMessage();
        assertTrue(m2.contains("hidden_size 10 is not a multiple of num_attention_heads 3"), m2);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_act\": \"swish\"}");
        String m3 = assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(dir)).getMessage();
        assertTrue(m3.contains("unknown hidden_act 'swish'"), m3);
        Files.delete(dir.resolve("config.json"));
        assertTrue(assertThrows(TensorFileException.class, () -> ClipVisionEncoder.load(dir)).getMessage().contains("no config.json"));
    }

    @Test
    void encoderKindComesFromThePathAsInTheReference() throws IOException {
        Path plain = Files.createDirectories(tmp.resolve("some-encoder"));
        String m = assertThrows(TensorFileException.class, () -> VisionEncoders.load(plain)).getMessage();
        assertTrue(m.contains("must contain 'qwen'"), m);
        Path noWeights = Files.createDirectories(tmp.resolve("clip-empty"));
        Files.writeString(noWeights.resolve("config.json"), clipModelConfig());
        String m2 = assertThrows(TensorFileException.class, () -> VisionEncoders.load(noWeights)).getMessage();
        assertTrue(m2.contains("clip-empty") && m2.contains("pytorch_model.bin"), m2);
        String m3 = assertThrows(TensorFileException.class, () -> VisionEncoders.load(noWeights.resolve("config.json"))).getMessage();
        assertTrue(m3.contains("not a model directory"), m3);
        String m4 = assertThrows(TensorFileException.class, () -> VisionEncoders.load(tmp.resolve("qwen-missing"))).getMessage();
        assertTrue(m4.contains("qwen-missing: no such directory"), m4);
    }

    @Test
    void qwenRoundTripsThroughSafetensorsAndRejectsTheUnextractedProj() throws IOException {
        QwenVisionConfig c = EncoderFixtures.tinyQwen();
        QwenVisionEncoder original = new QwenVisionEncoder(c, 4);
        EncoderFixtures.randomise(original, 6);
        Path file = tmp.resolve("qwen.safetensors");
        SafetensorsWriter.write(file, stateDict(original));
        try (TensorSource src = TensorSource.open(file)) {
            assertSameOutput(original, QwenVisionEncoder.load(c, src, file), EncoderFixtures.pixels(2, 2, 20, 20), 0);
        }
        Map<String, Tensor> withProj = stateDict(original);
        withProj.put("proj", Tensor.zeros(16, 16));
        Path bad = tmp.resolve("qwen-with-proj.safetensors");
        SafetensorsWriter.write(bad, withProj);
        try (TensorSource src = TensorSource.open(bad)) {
            String m = assertThrows(TensorFileException.class, () -> QwenVisionEncoder.load(c, src, bad)).getMessage();
            assertTrue(m.startsWith(bad.toString()) && m.contains("unexpected: proj"), m);
        }
    }

    @Test
    void configJsonParsesCLIPModelAndVisionModelLayouts() {
        Map<?, ?> nested = (Map<?, ?>) Json.parse(clipModelConfig());
        assertEquals(CLIP, ClipVisionConfig.fromJson(nested, "cfg"));
        Map<?, ?> flat = (Map<?, ?>) nested.get("vision_config");
        assertEquals(CLIP, ClipVisionConfig.fromJson(flat, "cfg"));
        // transformers 4.33 defaults: ViT-B/32
        assertEquals(new ClipVisionConfig(768, 3072, 12, 12, 224, 32, 3, Activation.QUICK_GELU, 1e-5f), ClipVisionConfig.fromJson(Map.of(), "cfg"));
    }
}
