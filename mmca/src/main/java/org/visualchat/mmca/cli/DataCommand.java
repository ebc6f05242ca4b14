package org.visualchat.mmca.cli;

import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;
import org.visualchat.mmca.data.BadSampleException;
import org.visualchat.mmca.data.Conversation;
import org.visualchat.mmca.data.DataLoader;
import org.visualchat.mmca.data.DataMixture;
import org.visualchat.mmca.data.ImageSource;
import org.visualchat.mmca.data.Sample;
import org.visualchat.mmca.data.SamplePreparer;
import org.visualchat.mmca.data.SkipLog;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code visualchat data}: opens a dataset mixture as training would (the original's {@code --dataset_*} options),
 * prints what it holds, renders a few samples as the model will see them (the original's
 * {@code --data_debug_path} text), and checks every sample (tokens + image decoding), reporting the skip totals.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Inspect and check a training data mixture (see mmca/docs/data.md).")
public final class DataCommand implements Runnable {
    @Mixin
    DataMixtureOptions mixture = new DataMixtureOptions();

    @Option(names = "--tokenizer", required = true, description = "LLaMA tokenizer.model / tokenizer.json or its folder.")
    Path tokenizer;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed for grouping, subsampling and rendering.")
    long seed;

    @Option(names = "--show", defaultValue = "1", description = "How many samples to print rendered.")
    int show;

    @Option(names = "--check", defaultValue = "-1", description = "How many samples to prepare and check (-1 = all, 0 = none).")
    int check;

    @Option(names = "--image-size", defaultValue = "448", description = "Encoder input size (448 QWen, 224 CLIP-L).")
    int imageSize;

    @Option(names = "--tokens-per-image", defaultValue = "256", description = "Encoder tokens per image (QWen 256, CLIP-L 257).")
    int tokensPerImage;

    @Option(names = "--max-seq-len", defaultValue = "0", description = "Skip longer samples (0 = no limit, as the original).")
    int maxSeqLen;

    @Option(names = "--dump", description = "Also write the shown samples' text and image files here, named as the "
            + "original's --data_debug_path files (gpu_rank0_debug{k}_text.txt, gpu_rank0_debug{k}_image{i}.jpg).")
    Path dump;

    @Override
    public void run() {
        OptionChecks.atLeast("--show", show, 0);
        OptionChecks.atLeast("--check", check, -1);
        OptionChecks.atLeast("--image-size", imageSize, 1);
        OptionChecks.atLeast("--tokens-per-image", tokensPerImage, 1);
        OptionChecks.atLeast("--max-seq-len", maxSeqLen, 0);
        mixture.check();
        if (dump != null) OptionChecks.outputDirectory("--dump", dump);
        try {
            LlamaTokenizer tok = VisualChatTokens.addTo(LlamaTokenizer.load(tokenizer));
            DataMixture mix = mixture.open(seed);
            System.out.println("mixture " + mix.name() + ": " + mix.size() + " samples");
            ClipPreprocessor pre = new ClipPreprocessor(imageSize, imageSize, ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
            SamplePreparer preparer = new SamplePreparer(new ConversationEncoder(tok), pre, DecodeOptions.PILLOW_PARITY,
                    maxSeqLen, tokensPerImage);
            SkipLog skips = new SkipLog();
            int n = check < 0 ? mix.size() : Math.min(check, mix.size());
            long tokens = 0, longest = 0, good = 0;
            for (int i = 0; i < Math.max(n, Math.min(show, mix.size())); i++) {
                Conversation c;
                try {
                    c = mix.get(i, new SplittableRandom(DataLoader.renderSeed(seed, 0, i)));
                    if (i < show) {
                        print(i, c);
                        if (dump != null) DebugDump.write(dump, 0, i, c);
                    }
                    if (i >= n) continue;
                    Sample s = preparer.prepare(c);
                    long expanded = s.tokens().length() + (long) s.images().size() * (tokensPerImage - 1);
                    tokens += expanded;
                    longest = Math.max(longest, expanded);
                    good++;
                } catch (BadSampleException e) {
                    skips.record(mix.name() + "#" + i, e);
                }
            }
            if (n > 0) {
                System.out.printf("checked %d samples: %d usable, mean %.1f / longest %d positions with %d tokens per image%n",
                        n, good, good == 0 ? 0.0 : tokens / (double) good, longest, tokensPerImage);
                System.out.println(skips.summary());
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static void print(int index, Conversation c) {
        System.out.println("---- sample " + index + " (" + c.id() + ", " + c.numbering() + " numbering)");
        for (ImageSource image : c.images()) System.out.println("image: " + image.describe());
        List<String> rounds = ConversationEncoder.render(c.turns(), c.numbering());
        for (String round : rounds) System.out.println("<s>" + round + "</s>");
    }
}
