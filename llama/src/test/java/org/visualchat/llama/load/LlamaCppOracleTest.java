package org.visualchat.llama.load;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp as the oracle (formats.md §3d): a random model written by {@link LlamaCheckpoints#writeGguf}
 * (Meta q/k order) is run by llama.cpp (npm node-llama-cpp, CPU build) and by the Java loader + model;
 * the next-token distributions at every position must agree. Needs {@code VC_NODE_LLAMA_CPP} = a
 * directory where {@code npm i -E --omit=optional --ignore-scripts node-llama-cpp@3.21.1
 * @node-llama-cpp/linux-x64@3.21.1} was run; skipped otherwise.
 */
@Tag("slow")
class LlamaCppOracleTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0", "Q4_0"})
    void nextTokenProbabilitiesMatchLlamaCpp(DType type) throws Exception {
        String nodeDir = System.getenv("VC_NODE_LLAMA_CPP");
        Assumptions.assumeTrue(nodeDir != null && Files.isDirectory(Path.of(nodeDir, "node_modules", "node-llama-cpp")), "VC_NODE_LLAMA_CPP not set up");
        LlamaConfig config = LlamaConfig.of(64, 96, 2, 4, 2, 32000);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        LlamaModel.random(config, 5, DType.F32).namedParameters().forEach((n, p) -> weights.put(n, p.value()));
        Path gguf = tmp.resolve("tiny.gguf");
        LlamaCheckpoints.writeGguf(gguf, config, weights, type, LlamaCheckpoints.placeholderVocabulary(config.vocabSize()));

        // The script must sit next to node_modules for its import to resolve.
        Path script = Path.of(nodeDir, "visualchat-probs-" + ProcessHandle.current().pid() + ".mjs");
        Files.copy(Path.of("src/test/scripts/llamacpp/probs.mjs"), script);
        Map<?, ?> oracle;
        try {
            Process node = new ProcessBuilder("node", script.toString(), gguf.toString(), "12").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = node.getInputStream().readAllBytes();
            assertTrue(node.waitFor(120, TimeUnit.SECONDS) && node.exitValue() == 0, "node exited with " + node.exitValue());
            oracle = (Map<?, ?>) Json.parse(new String(out, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(script);
        }
        List<?> ids = (List<?>) oracle.get("ids"), probs = (List<?>) oracle.get("probs");
        int[] tokens = ids.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        try (LoadedModel loaded = LlamaLoader.load(gguf, m -> {})) {
            LlamaModel model = loaded.model();
            Tensor logits = model.infer(model.embedTokens(Tensor.ofInts(tokens, 1, tokens.length)), model.newCache(1, tokens.length, DType.F32), null);
            double worst = 0;
            int argmaxAgree = 0;
            for (int t = 0; t < tokens.length; t++) {
                double[] p = softmax(logits.narrow(1, t, 1).contiguous().toFloatArray());
                List<?> q = (List<?>) probs.get(t);
                assertEquals(config.vocabSize(), q.size());
                int ours = 0, theirs = 0;
                for (int v = 0; v < p.length; v++) {
                    double qv = ((Number) q.get(v)).doubleValue();
                    worst = Math.max(worst, Math.abs(p[v] - qv));
                    if (p[v] > p[ours]) ours = v;
                    if (qv > ((Number) q.get(theirs)).doubleValue()) theirs = v;
                }
                if (ours == theirs) argmaxAgree++;
            }
            // llama.cpp also quantises the activations (to Q8) for quantised weights, so those agree less closely.
            boolean quantized = type.isQuantized();
            assertTrue(worst < (quantized ? 2e-5 : 1e-6), type + ": max |Δp| " + worst);
            assertTrue(argmaxAgree >= (quantized ? 10 : tokens.length), type + ": argmax agrees at " + argmaxAgree + "/" + tokens.length);
        }
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) z += (p[i] = Math.exp(logits[i] - max));
        for (int i = 0; i < p.length; i++) p[i] /= z;
        return p;
    }
}
