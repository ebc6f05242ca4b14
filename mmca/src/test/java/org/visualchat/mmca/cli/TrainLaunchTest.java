package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualchat.parallel.Launcher;
import org.visualchat.tensor.io.SafetensorsFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code visualchat launch --nproc 2 -- train --zero_stage 2 --overlap_comm} as separate JVMs (what {@code launch}
 * starts: the torchrun variables in the environment) against {@code visualchat train} on one process with the same
 * global batch (1 sample per rank vs 1 sample × accumulation 2): the trained parameters agree within 2e-5, and
 * in fp16 (the loss scale agreed over the JVMs) within one F16 ulp, 1e-3.
 */
@Tag("slow")
class TrainLaunchTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fp32", "fp16"})
    void twoRanksUnderZero2TrainLikeOneProcess(String precision, @TempDir Path dir) throws Exception {
        TrainCommandTest.writeFixtures(dir);
        Files.writeString(dir.resolve("data").resolve("good.jsonl"), String.join("\n",
                "{\"rounds\": [{\"images\": [\"img0.png\", \"img1.png\"], \"question\": \"Which is redder?\", \"answer\": \"The second.\"}]}",
                "{\"rounds\": [{\"images\": [\"img2.png\"], \"question\": \"Describe it.\", \"answer\": \"A gradient.\"}]}",
                "{\"rounds\": [{\"images\": [\"img1.png\"], \"question\": \"Colour?\", \"answer\": \"Red and green.\"}]}",
                "{\"rounds\": [{\"images\": [\"img2.png\", \"img0.png\"], \"question\": \"Compare.\", \"answer\": \"Different.\"}]}"));
        List<String> common = List.of("train", "--lm_model_name_or_path", dir.resolve("tiny-llama").toString(),
                "--vision_model_name_or_path", dir.resolve("tiny-clip").toString(), "--data_path", dir.resolve("data").toString(),
                "--dataset_names", "jsonl:good.jsonl", "--num_train_epochs", "2", "--learning_rate", "0.01", "--data_train_split_ratio", "1.0",
                "--per_device_train_batch_size", "1", "--seed", "5", "--precision", precision);
        Path single = dir.resolve("single"), ranks = dir.resolve("ranks");
        List<String> one = new ArrayList<>(common);
        one.addAll(List.of("--gradient_accumulation_steps", "2", "--output_dir", single.toString()));
        CliRun.run(0, one.toArray(String[]::new));

        List<String> two = new ArrayList<>(common);
        two.addAll(List.of("--zero_stage", "2", "--overlap_comm", "--reduce_bucket_size", "5000", "--output_dir", ranks.toString()));
        List<String> cmd = Launcher.javaCommand(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), Main.class.getName(), two);
        try (Launcher.Job job = Launcher.start(2, cmd, Map.of("VC_DIST_TIMEOUT_MS", "60000"), dir.resolve("logs"))) {
            for (int r = 0; r < 2; r++) {
                assertTrue(job.process(r).waitFor(300, TimeUnit.SECONDS), "rank " + r + " hung:\n" + Files.readString(job.log(r)));
                assertEquals(0, job.process(r).exitValue(), Files.readString(job.log(r)));
            }
            assertTrue(Files.readString(job.log(0)).contains("rank 0 of 2, ZeRO stage 2, overlap_comm"), Files.readString(job.log(0)));
        }
        assertEquals(Files.readAllLines(single.resolve("train_log.csv")).size(), Files.readAllLines(ranks.resolve("train_log.csv")).size());
        assertTrue(Files.exists(ranks.resolve("zero").resolve("latest")));
        try (SafetensorsFile a = SafetensorsFile.open(single.resolve("epoch-2").resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(ranks.resolve("epoch-2").resolve("model.safetensors"))) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                float[] want = a.tensor(n).toFloatArray(), got = b.tensor(n).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], precision.equals("fp16") ? 1e-3 : 2e-5, n + "[" + i + "]");
            }
        }
    }
}
