package org.visualchat.mmca.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.eval.EvalCsv;
import org.visualchat.mmca.eval.EvalRow;
import org.visualchat.mmca.eval.EvalRunner;
import org.visualchat.mmca.eval.EvalSet;
import org.visualchat.vision.image.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code visualchat eval --model DIR --data FILE.json [--device opencl[:N]]}: the reference's batch generation over an eval file
 * ({@code eval_single} / {@code eval_comprehensive} / {@code eval_robustness} format), results in its CSV layout,
 * on a demo model or a trained run with its base models ({@link ChatModelOptions}); greedy, as the reference.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Answer every round of an eval file (DS-VisualChat eval format) and write the results CSV.")
public final class EvalCommand implements Runnable {
    @Mixin
    ChatModelOptions source = new ChatModelOptions();

    @Option(names = "--data", required = true, description = "Eval file: {case: [[question] | [question, \"img1 img2\"], ...]}.")
    Path data;

    @Option(names = "--out", defaultValue = "results.csv", description = "Result CSV (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "Most tokens per answer; the reference uses 256 (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    LlamaDevice.Choice device = new LlamaDevice.Choice();

    @Override
    public void run() {
        OptionChecks.outputFile("--out", out);
        try {
            // Every image checked before the model loads: a bad one fails at once, not after the rounds before it.
            EvalSet set = EvalSet.read(data, ImageDecoder::decode);
            try (ChatModelOptions.Opened opened = source.open(System.err::println); LlamaDevice lm = device.open(opened.model, System.err)) {
                EvalRunner runner = new EvalRunner(lm.apply(opened.model), ImageDecoder::decode, new GenerationOptions(maxNewTokens, 0, 1, 0));
                List<EvalRow> rows = runner.run(set, System.out::println);
                EvalCsv.write(out, rows);
                System.out.println("wrote " + rows.size() + " rows to " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
