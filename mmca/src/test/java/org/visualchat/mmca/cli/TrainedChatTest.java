package org.visualchat.mmca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.load.LlamaCheckpoints;
import org.visualchat.llama.load.LlamaLoader;
import org.visualchat.llama.load.LoadedModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.eval.EvalCsv;
import org.visualchat.mmca.eval.EvalRow;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;

/**
 * {@code visualchat chat} and {@code eval} on a full configuration in real formats, written by the test: an HF
 * LLaMA folder (config.json + BF16 safetensors in shards, mapped), an HF CLIP vision folder, and the output
 * folder of a {@code visualchat train} run on them.
 */
class TrainedChatTest {
    @TempDir
    static Path dir;

    static Path out;

    @BeforeAll
    static void train() throws Exception {
        TrainCommandTest.writeFixtures(dir, DType.BF16, 40_000);
        assertTrue(Files.exists(dir.resolve("tiny-llama").resolve("model.safetensors.index.json")), "the LLaMA is sharded");
        out = dir.resolve("out");
        CliRun.run(0, "train", "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:chat.jsonl", "--config", dir.resolve("train.json").toString(), "--num_train_epochs", "1",
                "--per_device_train_batch_size", "2", "--output_dir", out.toString());
    }

    private static String[] base(String command, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(command, "--model", out.toString(),
                "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(), "--vision_model_name_or_path", dir.resolve("tiny-clip").toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static String chat(String script, String... options) {
        InputStream in = System.in;
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        try {
            return CliRun.run(0, base("chat", options));
        } finally {
            System.setIn(in);
        }
    }

    private static String image(int i) {
        return dir.resolve("data").resolve("img" + i + ".png").toString();
    }

    /** Chat's answers, replayed from its saved transcript by eval, come out the same: both load the trained run alike and number images alike. */
    @Test
    void chatAndEvalAgreeOnATrainedRun() throws Exception {
        Path json = dir.resolve("transcript.json"), text = dir.resolve("transcript.txt");
        String session = chat(String.join("\n", "/image " + image(0) + " " + image(1), "Which is redder?", "Why?",
                "/image " + image(2), "And this one?", "/save " + json, "/save " + text, "/quit", ""), "--max-new-tokens", "6");
        assertTrue(session.contains("trained weights " + out.resolve("epoch-1").resolve("model.safetensors")), session);
        assertTrue(session.contains("mapped 21 tensors") && session.contains("BF16"), session);
        Path csv = dir.resolve("results.csv");
        CliRun.run(0, base("eval", "--data", json.toString(), "--out", csv.toString(), "--max-new-tokens", "6"));
        List<EvalRow> rows = EvalCsv.read(csv);
        assertEquals(3, rows.size());
        assertTrue(rows.stream().allMatch(r -> !r.answer().isBlank()), "answers to compare: " + rows);
        String transcript = Files.readString(text);
        for (EvalRow row : rows) {
            assertTrue(transcript.contains("### Question:\n" + row.question() + "\n\n### Answer:\n" + row.answer() + "\n\n"),
                    row + " is not what chat answered:\n" + transcript);
        }
    }

    /**
     * The same LLaMA converted to a lone GGUF file (llama.cpp layout: Meta q/k order, tokenizer in the metadata)
     * serves the trained run as well: the same answers as from the HF folder.
     */
    @Test
    void aGgufLlamaWithItsEmbeddedTokenizerServesTheSameRun() throws Exception {
        Path gguf = Files.createDirectories(dir.resolve("gguf")).resolve("tiny-llama.gguf");
        try (LoadedModel hf = LlamaLoader.load(dir.resolve("tiny-llama"), line -> {})) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            hf.model().namedParameters().forEach((n, p) -> weights.put(n, p.value()));
            LlamaCheckpoints.writeGguf(gguf, hf.model().config(), weights, DType.F32,
                    LlamaTokenizer.load(dir.resolve("tiny-llama")).ggufMetadata());
        }
        String script = String.join("\n", "/image " + image(0), "What is this?", "/quit", "");
        String fromHf = chat(script, "--max-new-tokens", "6");
        InputStream in = System.in;
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        String fromGguf;
        try {
            fromGguf = CliRun.run(0, "chat", "--model", out.toString(), "--lm_model_name_or_path", gguf.toString(),
                    "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--max-new-tokens", "6");
        } finally {
            System.setIn(in);
        }
        assertTrue(fromGguf.contains("config from tiny-llama.gguf metadata"), fromGguf);
        List<String> answers = answers(fromHf);
        assertTrue(answers.size() == 1 && !answers.getFirst().isBlank(), fromHf);
        assertEquals(answers, answers(fromGguf));
    }

    /** The answers the REPL printed. */
    private static List<String> answers(String session) {
        String marker = "assistant: ";
        return session.lines().filter(l -> l.contains(marker)).map(l -> l.substring(l.indexOf(marker) + marker.length())).toList();
    }

    /** Sampling options reach llama's sampler, seeded: the same seed gives the same answers. */
    @Test
    void seededSamplingIsReproducible() {
        String script = String.join("\n", "/image " + image(1), "Describe it.", "/set", "/quit", "");
        String[] sampling = {"--temperature", "0.9", "--top-k", "20", "--top-p", "0.95", "--seed", "5", "--max-new-tokens", "8",
                "--repetition-penalty", "1.3"};
        String first = chat(script, sampling);
        assertEquals(first, chat(script, sampling));
        assertTrue(first.contains("max_new_tokens=8 temperature=0.9 top_k=20 top_p=0.95 seed=5 repetition_penalty=1.3"), first);
    }

    /** Weights that do not fit the model are one error line naming the file and the tensor. */
    @Test
    void aCheckpointMissingATensorIsNamed() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        try (SafetensorsFile trained = SafetensorsFile.open(out.resolve("epoch-1").resolve("model.safetensors"))) {
            Map<String, Tensor> kept = new LinkedHashMap<>();
            for (String name : trained.names()) if (!name.equals("lang_embed.weight")) kept.put(name, trained.tensor(name));
            SafetensorsWriter.write(bad, kept);
        }
        InputStream in = System.in;
        System.setIn(new ByteArrayInputStream("/quit\n".getBytes(StandardCharsets.UTF_8)));
        try {
            String err = CliRun.run(1, base("chat", "--checkpoint", bad.toString()));
            assertTrue(err.contains("visualchat chat: ") && err.contains(bad.toString()) && err.contains("lang_embed.weight missing"), err);
        } finally {
            System.setIn(in);
        }
        String noBase = CliRun.run(1, "chat", "--model", out.toString(), "--lm_model_name_or_path", dir.resolve("tiny-llama").toString());
        assertTrue(noBase.contains("--vision_model_name_or_path go together"), noBase);
    }

    /** A base LLaMA whose vocabulary does not fit the tokenizer is refused, naming both, before any weights are read. */
    @Test
    void aBaseModelOfAnotherVocabularyIsRefused() throws Exception {
        Path small = dir.resolve("small-llama");
        TrainCommandTest.writeLlama(small, 300, DType.F32, Long.MAX_VALUE);
        String err = CliRun.run(1, "chat", "--model", out.toString(), "--lm_model_name_or_path", small.toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString());
        assertTrue(err.contains("the tokenizer " + small + " has 1000 ids but the model " + small + " has a vocabulary of 300"), err);
    }

    /** eval checks its images and --out before loading the model, so nothing is answered, loaded or written first. */
    @Test
    void evalInputsAreCheckedBeforeTheModelLoads() throws Exception {
        Path json = dir.resolve("bad-eval.json"), garbage = dir.resolve("garbage.png");
        Files.writeString(garbage, "not an image");
        Files.writeString(json, "{\"a\": [[\"Q?\", \"" + image(0) + "\"]], \"b\": [[\"Q?\", \"" + garbage + "\"]]}");
        String badImage = CliRun.run(1, base("eval", "--data", json.toString(), "--out", dir.resolve("never.csv").toString()));
        assertTrue(badImage.contains("visualchat eval: case 'b' round 1: " + garbage), badImage);
        assertTrue(!badImage.contains("trained weights") && !Files.exists(dir.resolve("never.csv")), badImage);
        Files.writeString(json, "{\"a\": [[\"Q?\", \"" + image(0) + "\"]]}");
        String folder = CliRun.run(1, base("eval", "--data", json.toString(), "--out", dir.toString()));
        assertTrue(folder.contains("visualchat eval: --out " + dir + ": is a directory") && !folder.contains("trained weights"), folder);
    }

    /** A folder or file of the wrong kind is named as what it is, with what to pass instead, before anything loads. */
    @Test
    void wrongKindsOfModelAndCheckpointAreNamed() throws Exception {
        String trainOutput = CliRun.run(1, "chat", "--model", out.toString());
        assertTrue(trainOutput.contains(out + " is a `visualchat train` output folder: pass --lm_model_name_or_path and --vision_model_name_or_path"), trainOutput);
        Path llama = dir.resolve("tiny-llama");
        String hf = CliRun.run(1, "chat", "--model", llama.toString());
        assertTrue(hf.contains(llama + " is a Hugging Face model folder (its config.json has hidden_size), not a chat model"), hf);
        Path resumable = out.resolve("checkpoint.safetensors");
        String checkpoint = CliRun.run(1, base("chat", "--checkpoint", resumable.toString()));
        assertTrue(checkpoint.contains(resumable + " is the resumable training checkpoint (for `visualchat train` to resume);"
                + " pass the weights an epoch wrote, epoch-N/model.safetensors in the same folder"), checkpoint);
        String json = CliRun.run(1, base("chat", "--checkpoint", out.resolve("config.json").toString()));
        assertTrue(json.contains(out.resolve("config.json") + ": is not a safetensors file (it looks like JSON)"), json);
        Path missing = out.resolve("nope.safetensors");
        String absent = CliRun.run(1, base("chat", "--checkpoint", missing.toString()));
        assertTrue(absent.contains("--checkpoint " + missing + ": no such file") && !absent.contains("mapped"), absent);
    }
}
