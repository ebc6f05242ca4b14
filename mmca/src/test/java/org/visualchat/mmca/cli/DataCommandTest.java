package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.testing.Fixtures;
import org.visualchat.mmca.testing.Images;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code visualchat data}: renders samples and reports the checks' skip totals; bad options fail in one line. */
class DataCommandTest {
    @TempDir
    Path root;

    private static String run(int expectedExit, String... args) {
        return CliRun.run(expectedExit, args);
    }

    @Test
    void rendersAndChecksAJsonlMixture() throws Exception {
        Path model = root.resolve("tiny.model");
        try (InputStream in = getClass().getResourceAsStream("/tokenizer/tiny-llama-bpe.model")) {
            Files.copy(in, model);
        }
        Images.write(root.resolve("img/a.png"), 1);
        Images.write(root.resolve("img/b.png"), 2);
        Fixtures.text(root, "chat.jsonl", String.join("\n",
                "{\"id\": \"ok\", \"rounds\": [{\"images\": [\"img/a.png\", \"img/b.png\"], \"question\": \"Which?\", \"answer\": \"A.\"}, {\"question\": \"Why?\", \"answer\": \"B.\"}]}",
                "{\"id\": \"gone\", \"rounds\": [{\"images\": [\"img/missing.png\"], \"question\": \"q\", \"answer\": \"a\"}]}"));
        String out = run(0, "data", "--data-path", root.toString(), "--datasets", "jsonl:chat.jsonl", "--tokenizer", model.toString(),
                "--show", "2", "--image-size", "16", "--tokens-per-image", "4");
        assertTrue(out.contains("mixture jsonl:chat.jsonl: 2 samples"), out);
        assertTrue(out.contains("### Image 1:\n<image>\n### Image 2:\n<image>\n\n### Question:\nWhich?\n\n### Answer:\nA.</s>"), out);
        assertTrue(out.contains("<s>### Question:\nWhy?\n\n### Answer:\nB.</s>"), out);
        assertTrue(out.contains("checked 2 samples: 1 usable"), out);
        assertTrue(out.contains("skipped 1 samples: MISSING_IMAGE=1"), out);
        Path dump = root.resolve("debug");
        run(0, "data", "--data-path", root.toString(), "--datasets", "jsonl:chat.jsonl", "--tokenizer", model.toString(),
                "--show", "2", "--check", "0", "--dump", dump.toString());
        int withImages = Files.exists(dump.resolve("gpu_rank0_debug0_image1.jpg")) ? 0 : 1;   // grouping order decides
        assertTrue(Files.readString(dump.resolve("gpu_rank0_debug" + withImages + "_text.txt")).contains("### Image 2:\n<image>"));
        assertArrayEquals(Files.readAllBytes(root.resolve("img/b.png")),
                Files.readAllBytes(dump.resolve("gpu_rank0_debug" + withImages + "_image1.jpg")));
        assertTrue(Files.exists(dump.resolve("gpu_rank0_debug" + (1 - withImages) + "_text.txt")));
        // train's main.py names work too, with several values after one flag (DataMixtureOptions).
        String both = run(0, "data", "--data_path", root.toString(), "--dataset_names", "jsonl:chat.jsonl", "jsonl:chat.jsonl",
                "--dataset_samples", "1", "all", "--tokenizer", model.toString(), "--show", "0", "--check", "0");
        assertTrue(both.contains("mixture jsonl:chat.jsonl+jsonl:chat.jsonl: 3 samples"), both);
        String bad = run(1, "data", "--data-path", root.toString(), "--datasets", "nope", "--tokenizer", model.toString());
        assertTrue(bad.startsWith("visualchat data: unknown dataset name \"nope\""), bad);
    }

    /** Option values are checked before anything is read or printed; the message names the option as typed. */
    @Test
    void badOptionValuesNameTheOption() throws Exception {
        for (String[] bad : new String[][] {{"--max-seq-len", "-1", "--max-seq-len must be >= 0, got -1"},
                {"--tokens-per-image", "-1", "--tokens-per-image must be >= 1, got -1"}, {"--image-size", "0", "--image-size must be >= 1, got 0"},
                {"--check", "-5", "--check must be >= -1, got -5"}, {"--show", "-1", "--show must be >= 0, got -1"},
                {"--max-images", "0", "--max_num_image_per_sample (--max-images) must be >= 1, got 0"},
                {"--concat", "2,0", "--dataset_concatenate_samples (--concat) must be >= 1, got 0"}}) {
            String out = run(1, "data", "--tokenizer", root.toString(), bad[0], bad[1]);
            assertEquals("visualchat data: " + bad[2] + "\n", out);
        }
        Path file = Files.writeString(root.resolve("file"), "");
        assertEquals("visualchat data: --dump " + file + ": exists and is not a directory\n", run(1, "data", "--tokenizer", root.toString(), "--dump", file.toString()));
    }
}
