package org.visualchat.mmca.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.QuestionType;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Shape;
import org.visualchat.mmca.demo.world.ShapeKind;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.train.ProgressBar;
import org.visualchat.nn.checkpoint.StateDict;

/**
 * Stage 3 of the demo alone, for recipe experiments: trains the LLaMA of {@link DemoConfig#full()} with some
 * fields overridden, then lets it read the held-out conversations' perfect captions ({@link CaptionReader}, the
 * LM+captions ceiling) under causal attention and MMCA strict, and prints the accuracy per question type and,
 * for the questions about one image, per asked image and images shown ("image 2 of 2": the conversation has
 * shown two images and the question asks about the second; demo.md, session 6) and, for the colour-of questions
 * asked with several images shown, whether another of them has a shape of the asked kind in another colour
 * (session 9). Prints the training's process CPU time too, the yardstick a recipe change must also pass. A plain
 * main, not a test:
 *
 * <pre>
 * ./mvnw -q -o -B -ntp -DskipTests -pl mmca -am package
 * VC_THREADS=1 java --add-modules jdk.incubator.vector -cp "mmca/target/test-classes:mmca/target/visualchat-mmca-0.1.0-SNAPSHOT.jar:mmca/target/lib/*" \
 *     org.visualchat.mmca.demo.LmProbe DIR lmSteps=1600 lmRopeTheta=1e5 [field=value ...]
 * </pre>
 *
 * {@code DIR} receives the tokenizer and {@code llama.safetensors}; a second run on a folder whose LLaMA is already
 * there only evaluates it.
 */
public final class LmProbe {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Map<String, Object> fields = new HashMap<>(DemoConfig.full().toJson());
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            if (kv.length != 2 || !fields.containsKey(kv[0])) throw new IllegalArgumentException("not a DemoConfig field=value: " + args[i]);
            fields.put(kv[0], Double.parseDouble(kv[1]));
        }
        DemoConfig config = DemoConfig.fromJson(fields, Path.of("command line"));
        System.out.println(config);
        Files.createDirectories(dir);
        List<Dialogue> heldOut = DemoData.dialogues(config, Split.HELD_OUT);
        LlamaTokenizer tokenizer = Files.exists(dir.resolve("tokenizer.json")) ? DemoTokenizer.load(dir)
                : DemoTokenizer.build(dir, DemoData.corpus(DemoData.dialogues(config, Split.TRAIN)));
        DemoData data = new DemoData(tokenizer);
        Path weights = dir.resolve(DemoModel.LLAMA);
        LlamaModel lm;
        if (Files.exists(weights)) {
            lm = DemoModel.loadLlama(config, tokenizer, dir);
        } else {
            double cpu = cpuSeconds(), wall = System.nanoTime() / 1e9;
            lm = LanguagePretraining.train(config, data, new ProgressBar(System.out, "LLaMA", config.lmSteps(), false));
            System.out.printf(Locale.ROOT, "stage 3: %d steps, %.0f CPU-s (%.3f a step), %.0f s wall, load %s%n", config.lmSteps(),
                    cpuSeconds() - cpu, (cpuSeconds() - cpu) / config.lmSteps(), System.nanoTime() / 1e9 - wall, load());
            StateDict.save(lm, weights, false);
        }
        for (MmcaMode mode : List.of(MmcaMode.CAUSAL, MmcaMode.STRICT)) {
            Map<String, int[]> rows = new TreeMap<>();
            HeldOutEvaluation.ask(d -> new CaptionReader(lm, data, d.scenes(), mode), heldOut, config.maxAnswerTokens(),
                    new ProgressBar(System.out, "LM+captions " + mode.id(), heldOut.size(), false), (d, r, right) -> {
                        Round round = d.rounds().get(r);
                        count(rows, "all", right);
                        count(rows, "type " + round.type(), right);
                        if (round.type() != QuestionType.RECALL && round.images().size() == 1) {
                            count(rows, "image " + round.images().get(0) + " of " + d.imagesShownBy(r), right);
                            if (d.imagesShownBy(r) >= 2 && round.type() == QuestionType.COLOUR_OF) count(rows, colourOfCase(d, r), right);
                        }
                    });
            System.out.println("LM+captions " + mode.id() + ":");
            rows.forEach((name, c) -> System.out.printf(Locale.ROOT, "  %-22s %5.1f %%  (%d/%d)%n", name, 100.0 * c[0] / c[1], c[0], c[1]));
        }
    }

    /**
     * For a colour-of question asked with several images shown: whether another shown image has a shape of the asked
     * kind in another colour. Where none has, a model that finds the kind in whichever image is right too; where one
     * has, only a model that finds image N is (session 9: the committed LLaMA is right in 100 % and about 50 %).
     */
    private static String colourOfCase(Dialogue d, int r) {
        Round round = d.rounds().get(r);
        int asked = round.images().get(0);
        ShapeKind kind = Arrays.stream(ShapeKind.values()).filter(k -> round.question().contains(" " + k.word() + " ")).findFirst().orElseThrow();
        for (int i = 1; i <= d.imagesShownBy(r); i++) {
            if (i == asked) continue;
            for (Shape s : d.scenes().get(i - 1).shapes()) if (s.kind() == kind && !s.colour().word().equals(round.answer())) return "colour-of, another image's differs";
        }
        return "colour-of, no other image's differs";
    }

    private static void count(Map<String, int[]> rows, String name, boolean right) {
        int[] c = rows.computeIfAbsent(name, k -> new int[2]);
        c[1]++;
        if (right) c[0]++;
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static String load() {
        return String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
