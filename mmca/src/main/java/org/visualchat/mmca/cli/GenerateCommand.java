package org.visualchat.mmca.cli;

import org.visualchat.llama.generate.GenerationConfig;
import org.visualchat.llama.generate.Generator;
import org.visualchat.llama.load.LlamaLoader;
import org.visualchat.llama.load.LoadedModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code visualchat generate}: text continuation with a LLaMA checkpoint (HF directory or GGUF file),
 * streamed to stdout token by token; loading progress and speed go to stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a text prompt with a LLaMA model.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "HF model directory (config.json + safetensors), or a .gguf file.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text; repeat it to decode several prompts together (each printed when it is done).")
    List<String> prompts;

    @Option(names = "--tokenizer", description = "tokenizer.model or tokenizer.json (default: found next to the model; for a .gguf file without one, the tokenizer in its metadata).")
    Path tokenizer;

    @Mixin
    SamplingOptions sampling = new SamplingOptions(128, 0);

    @Option(names = "--stop", description = "Stop string (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating after the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--no-bos", description = "Do not start the prompt with <s>.")
    boolean noBos;

    /** The KV cache dtypes the decoder supports: a subset of DType, so the parser offers (and accepts) only these. */
    enum KvCache {
        F32, BF16;

        /** Parses {@code --kv-cache} in any case (bf16 as BF16). */
        static final class Parser implements ITypeConverter<KvCache> {
            @Override
            public KvCache convert(String value) {
                for (KvCache c : values()) if (c.name().equalsIgnoreCase(value)) return c;
                throw new TypeConversionException("must be F32 or BF16, got '" + value + "'");
            }
        }
    }

    @Option(names = "--kv-cache", converter = KvCache.Parser.class,
            description = "KV cache dtype: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; always F32 on OpenCL).")
    KvCache kvCache = KvCache.F32;

    @Mixin
    LlamaDevice.Choice device = new LlamaDevice.Choice();

    @Override
    public Integer call() throws IOException {
        PrintStream err = System.err;
        GenerationConfig config = new GenerationConfig(sampling.maxNewTokens, stops, !ignoreEos, sampling.sampling(), DType.valueOf(kvCache.name()));
        long start = System.nanoTime();
        try (LoadedModel loaded = LlamaLoader.load(model, line -> err.println("loading: " + line))) {
            err.printf("loading: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            LlamaTokenizer tok = loaded.tokenizer(tokenizerPath());
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            List<int[]> ids = new ArrayList<>();
            for (String p : prompts) ids.add(tok.encode(p, !noBos, false));
            int longest = ids.stream().mapToInt(i -> i.length).max().orElseThrow();
            try (LlamaDevice lm = device.open(loaded.model(), longest + sampling.maxNewTokens, prompts.size(), err)) {
                Generator generator = new Generator(lm.model(), tok);
                if (prompts.size() == 1) {
                    out.print(prompts.getFirst());
                    Generator.Result r = generator.generate(ids.getFirst(), config, text -> {
                        out.print(text);
                        out.flush();
                    });
                    out.println();
                    report(err, r);
                } else {
                    // Several prompts: one batched decode step per token for all of them (Generator.generateAll).
                    List<Generator.Request> requests = new ArrayList<>();
                    for (int[] prompt : ids) requests.add(generator.request(prompt, config, text -> {}));
                    List<Generator.Result> results = generator.generateAll(requests);
                    for (int i = 0; i < prompts.size(); i++) {
                        out.println(prompts.get(i) + results.get(i).text());
                        report(err, results.get(i));
                    }
                }
            }
        }
        return 0;
    }

    private static void report(PrintStream err, Generator.Result r) {
        err.printf("%d prompt tokens in %.2f s (%.1f tok/s); %d new tokens in %.2f s (%.2f tok/s); stopped: %s%n",
                r.promptTokens(), r.prefillNanos() / 1e9, r.promptTokens() / (r.prefillNanos() / 1e9),
                r.tokens().length, r.decodeNanos() / 1e9, r.tokens().length / (r.decodeNanos() / 1e9), r.reason());
    }

    /** --tokenizer, else a tokenizer file beside the model, else a GGUF model's own (llama.cpp embeds one). */
    private Path tokenizerPath() throws IOException {
        if (tokenizer != null) return tokenizer;
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        for (String name : new String[] {"tokenizer.model", "tokenizer.json"}) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        if (Files.isRegularFile(model) && model.getFileName().toString().endsWith(".gguf")) return model;
        throw new IOException("no tokenizer.model or tokenizer.json in " + dir + "; pass --tokenizer");
    }
}
