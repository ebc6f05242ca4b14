package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.load.LlamaCheckpoints;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.Activation;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code visualchat train} end to end on tiny checkpoints written to disk: load, train, resume. */
class TrainCommandTest {
    static void writeFixtures(Path dir) throws Exception {
        writeFixtures(dir, DType.F32, Long.MAX_VALUE);
    }

    /** The LLaMA's matrices stored as {@code type}, in safetensors shards of at most {@code shardBytes}. */
    static void writeFixtures(Path dir, DType type, long shardBytes) throws Exception {
        writeLlama(dir.resolve("tiny-llama"), 1000, type, shardBytes);   // 1000 = the tiny tokenizer's pieces
        Path clip = dir.resolve("tiny-clip");
        Files.createDirectories(clip);
        ClipVisionConfig vc = new ClipVisionConfig(16, 32, 1, 2, 28, 14, 3, Activation.QUICK_GELU, 1e-5f);
        StateDict.save(new ClipVisionEncoder(vc, 5), clip.resolve("model.safetensors"), false);
        Files.writeString(clip.resolve("config.json"), """
                {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "image_size": 28, "patch_size": 14, "hidden_act": "quick_gelu"}""");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(40, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, (x * 6 + i * 80) << 16 | (y * 7) << 8 | (i * 90));
            ImageIO.write(img, "png", data.resolve("img" + i + ".png").toFile());
        }
        Files.writeString(data.resolve("chat.jsonl"), String.join("\n",
                "{\"rounds\": [{\"images\": [\"img0.png\", \"img1.png\"], \"question\": \"Which is redder?\", \"answer\": \"The second.\"}, {\"question\": \"Why?\", \"answer\": \"More red.\"}]}",
                "{\"rounds\": [{\"images\": [\"img2.png\"], \"question\": \"Describe it.\", \"answer\": \"A gradient.\"}]}",
                "{\"rounds\": [{\"images\": [\"img1.png\"], \"question\": \"Colour?\", \"answer\": \"Red and green.\"}, {\"images\": [\"img0.png\"], \"question\": \"And this?\", \"answer\": \"Green.\"}]}",
                "{\"rounds\": [{\"images\": [\"missing.png\"], \"question\": \"Skipped?\", \"answer\": \"Yes.\"}]}",
                "{\"rounds\": [{\"images\": [\"img2.png\", \"img0.png\"], \"question\": \"Compare.\", \"answer\": \"Different.\"}]}"));
        Files.writeString(dir.resolve("train.json"), "{\"num_train_epochs\": 2, \"learning_rate\": 0.01, \"data_train_split_ratio\": 0.6}");
    }

    /** A random LLaMA folder in {@code lm} with {@code vocab} embedding rows and the tiny 1000-piece tokenizer. */
    static void writeLlama(Path lm, int vocab, DType type, long shardBytes) throws Exception {
        LlamaConfig config = LlamaConfig.of(32, 64, 2, 4, 2, vocab);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        LlamaModel.random(config, 3, type).namedParameters().forEach((n, p) -> weights.put(n, p.value()));
        LlamaCheckpoints.writeHf(lm, config, weights, shardBytes);
        try (InputStream in = TrainCommandTest.class.getResourceAsStream("/tokenizer/tiny-llama-bpe.model")) {
            Files.copy(in, lm.resolve("tokenizer.model"));
        }
    }

    @Test
    void trainsFromCheckpointsOnDiskThenResumes(@TempDir Path dir) throws Exception {
        writeFixtures(dir);
        Path out = dir.resolve("out");
        String[] args = {"train", "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:chat.jsonl", "--config", dir.resolve("train.json").toString(),
                "--per_device_train_batch_size", "2", "--enable_mmca_attention", "--reverse_image_order", "--output_dir", out.toString()};
        CliRun.run(0, args);
        List<String> log = Files.readAllLines(out.resolve("train_log.csv"));
        assertEquals(1 + 2 * 2, log.size(), "3 train samples, batch 2: 2 updates per epoch, 2 epochs");
        List<String> eval = Files.readAllLines(out.resolve("eval_log.csv"));
        assertEquals(1 + 3, eval.size(), "before training and after each epoch");
        assertTrue(Double.isFinite(Double.parseDouble(eval.get(3).split(",")[2])), eval.toString());
        assertTrue(Files.isRegularFile(out.resolve("epoch-2").resolve("model.safetensors")));
        String config = Files.readString(out.resolve("config.json"));
        assertTrue(config.contains("\"attention\": \"reference\"") && config.contains("\"reverse_image_order\": true"), config);
        // A second run finds the finished checkpoint and has nothing left to do.
        assertTrue(CliRun.run(0, args).contains("resuming from"));
        assertEquals(log, Files.readAllLines(out.resolve("train_log.csv")));
    }

    @Test
    void languageLoraInFp16SavesOnlyTheTrainableTensors(@TempDir Path dir) throws Exception {
        writeFixtures(dir);
        Path out = dir.resolve("out");
        String log = CliRun.run(0, "train", "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:chat.jsonl", "--num_train_epochs", "1", "--lang_lora_dim", "2", "--lang_lora_module_name", "self_attn.",
                "--precision", "fp16", "--output_dir", out.toString());
        assertTrue(log.contains("lang LoRA rank 2 on 8 layers"), log);                    // 2 layers × q, k, v, o
        try (TensorSource saved = TensorSource.open(out.resolve("epoch-1").resolve("model.safetensors"))) {
            List<String> names = saved.names();
            assertTrue(names.contains("lang_decoder.model.layers.1.self_attn.o_proj.lora_left_weight"), names.toString());
            assertEquals(5 + 16, names.size(), "lang_embed, projection.{0,1}.{weight,bias} and 8 × 2 LoRA factors: " + names);
            assertEquals(DType.F16, saved.info("lang_decoder.model.layers.0.self_attn.q_proj.lora_right_weight").dtype());
            assertTrue(names.stream().noneMatch(n -> n.endsWith("q_proj.weight") || n.startsWith("vis_encoder.")), names.toString());
        }
    }

    /**
     * {@code --device}: a bad value, an absent OpenCL device (the error lists the devices present) and decoder
     * LoRA (which cannot train inside the frozen device LLaMA) are clear errors; launched ranks of a device run
     * get the G1 collector. Training on OpenCL itself is
     * tested in tests/ ({@code OpenClTrainingStepTest}), whose OpenCL tests run under the G1 collector.
     */
    @Test
    void deviceErrorsNameTheValueTheDevicesPresentAndLora(@TempDir Path dir) throws Exception {
        writeFixtures(dir);
        String[] common = {"train", "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:chat.jsonl", "--output_dir", dir.resolve("out").toString()};
        String bad = CliRun.run(2, concat(common, "--device", "tpu")); // a usage error, as in generate, chat and eval
        assertTrue(bad.contains("Invalid value for option '--device': must be cpu, opencl or opencl:N, got 'tpu'"), bad);
        String absent = CliRun.run(1, concat(common, "--device", "opencl:9"));
        assertTrue(absent.contains("device 'opencl:9' asks for OpenCL device 9, but "), absent);
        String lora = CliRun.run(1, concat(common, "--device", "opencl", "--lang_lora_dim", "2"));
        assertTrue(lora.contains("LoRA adapters on it cannot train: use --device cpu"), lora);
        // launch --nproc N -- train --device opencl: the ranks get G1, which the OpenCL backend needs.
        assertEquals("-XX:+UseG1GC", LaunchCommand.collector(List.of("train", "--device", "opencl:1")));
        assertEquals("-XX:+UseG1GC", LaunchCommand.collector(List.of("train", "--device=opencl")));
        assertEquals("-XX:+UseParallelGC", LaunchCommand.collector(List.of("train", "--device", "cpu")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void unknownConfigKeysAreNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.json"), "{\"learning_rat\": 1}");
        String out = CliRun.run(1, "train", "--lm_model_name_or_path", dir.toString(), "--vision_model_name_or_path", dir.toString(),
                "--config", dir.resolve("bad.json").toString());
        assertTrue(out.contains("visualchat train: ") && out.contains("unknown training option 'learning_rat'"), out);
    }

    /**
     * A LLaMA whose vocabulary is smaller than its tokenizer's is refused before training, naming both (the
     * embedding resize for the added tokens would otherwise have quietly grown it to fit).
     */
    @Test
    void aTokenizerLargerThanTheModelIsRefused(@TempDir Path dir) throws Exception {
        writeFixtures(dir);
        Path small = dir.resolve("small-llama");
        writeLlama(small, 300, DType.F32, Long.MAX_VALUE);
        String out = CliRun.run(1, "train", "--lm_model_name_or_path", small.toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:chat.jsonl", "--output_dir", dir.resolve("out").toString());
        assertTrue(out.contains("the tokenizer " + small + " has 1000 ids but the model " + small + " has a vocabulary of 300"), out);
        assertTrue(!out.contains("training ") && !Files.exists(dir.resolve("out")), out);
    }

    /** A LLaMA path that does not exist is named as the model's (the tokenizer, found in it by default, is read after it). */
    @Test
    void aMissingModelIsNamedAsTheModel(@TempDir Path dir) throws Exception {
        writeFixtures(dir);
        Path nope = dir.resolve("nope");
        String out = CliRun.run(1, "train", "--lm_model_name_or_path", nope.toString(), "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(),
                "--data_path", dir.resolve("data").toString(), "--dataset_names", "jsonl:chat.jsonl", "--output_dir", dir.resolve("out").toString());
        assertTrue(out.contains("visualchat train: " + nope + ": does not exist"), out);
    }

    /** Option values are checked before the model loads (the model paths here are empty folders), and nothing is written. */
    @Test
    void badValuesAreRejectedUpFrontNamingOptionAndValue(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String[] common = {"train", "--lm_model_name_or_path", dir.toString(), "--vision_model_name_or_path", dir.toString(), "--output_dir", out.toString()};
        for (String[] bad : new String[][] {
                {"--learning_rate", "Infinity", "learning_rate must be a finite number, got Infinity"},
                {"--weight_decay", "NaN", "weight_decay must be a finite number, got NaN"},
                {"--num_warmup_steps", "NaN", "num_warmup_steps must be a finite number, got NaN"},
                {"--weight_decay", "-1", "weight_decay must be >= 0, got -1.0"},
                {"--learning_rate_pretraining_components", "-1", "learning_rate_pretraining_components must be >= 0, got -1.0"},
                {"--gradient_clipping", "-1", "gradient_clipping must be >= 0, got -1.0"},
                {"--save_steps", "-1", "save_steps must be >= 0, got -1"},
                {"--image_size", "-5", "image_size must be >= 0, got -5"},
                {"--zero_prefetch_units", "-1", "zero_prefetch_units must be >= 0, got -1"},
                {"--max_num_image_per_sample", "0", "--max_num_image_per_sample (--max-images) must be >= 1, got 0"}}) {
            String text = CliRun.run(1, concat(common, bad[0], bad[1]));
            assertTrue(text.contains("visualchat train: " + bad[2]), text);
        }
        assertFalse(Files.exists(out));
        Path file = Files.writeString(dir.resolve("file"), "");
        String text = CliRun.run(1, "train", "--lm_model_name_or_path", dir.toString(), "--vision_model_name_or_path", dir.toString(), "--output_dir", file.toString());
        assertTrue(text.contains("--output_dir " + file + ": exists and is not a directory"), text);
        text = CliRun.run(1, "train", "--lm_model_name_or_path", dir.toString(), "--vision_model_name_or_path", dir.toString(), "--output_dir", file.resolve("run").toString());
        assertTrue(text.contains("--output_dir " + file.resolve("run") + ": " + file + " is not a directory"), text);
    }

    @Test
    void configValuesOfTheWrongJsonTypeNameTheFileAndField(@TempDir Path dir) throws Exception {
        String[] common = {"train", "--lm_model_name_or_path", dir.toString(), "--vision_model_name_or_path", dir.toString(), "--config"};
        Path json = dir.resolve("c.json");
        for (String[] bad : new String[][] {{"{\"output_dir\": 5}", "output_dir must be a string, got 5"},
                {"{\"weight_decay\": null}", "weight_decay must be a number, got null"},
                {"{\"weight_decay\": -1}", "weight_decay must be >= 0, got -1"}}) {
            Files.writeString(json, bad[0]);
            String text = CliRun.run(1, concat(common, json.toString()));
            assertTrue(text.contains(json + ": " + bad[1]), text);
        }
        assertFalse(Files.exists(dir.resolve("5")));
        String text = CliRun.run(1, concat(common, dir.toString()));
        assertTrue(text.contains("training config " + dir + " is a directory"), text);
    }
}
