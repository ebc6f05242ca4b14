package org.visualchat.mmca.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.vision.image.RgbImage;

/**
 * Stage 5 of the demo (every held-out question, greedy, the model's own answers in the history) answered two
 * ways in one JVM, per evaluated model: re-decoding the whole conversation every round (a fresh chat model per
 * round: what the demo did before the conversation cache) and with the conversation's KV cache kept between
 * rounds. Prints wall and process CPU time of each, their ratio, and how many answers are identical. A plain
 * main over a trained demo folder, not a test:
 *
 * <pre>
 * ./visualchat demo --small --no-chat --dir DIR        # trains once (stages are cached)
 * ./mvnw -q -o -B -ntp -DskipTests -pl mmca -am package
 * java --add-modules jdk.incubator.vector -cp "mmca/target/test-classes:mmca/target/visualchat-mmca-0.1.0-SNAPSHOT.jar:mmca/target/lib/*" \
 *     org.visualchat.mmca.demo.ChatCacheBenchmark DIR [repeats]
 * </pre>
 */
public final class ChatCacheBenchmark {
    /** One evaluated model: a chat model for a conversation (called once per conversation, or once per round to re-decode). */
    private record Variant(String name, Function<Dialogue, ChatModel> cached, Function<Dialogue, ChatModel> fresh) {}

    private record Pass(List<String> answers, double wallSeconds, double cpuSeconds) {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        DemoConfig config = DemoModel.config(dir);
        LlamaTokenizer tokenizer = DemoTokenizer.load(dir);
        DemoData data = new DemoData(tokenizer);
        List<Dialogue> heldOut = DemoData.dialogues(config, Split.HELD_OUT);
        GenerationOptions options = new GenerationOptions(config.maxAnswerTokens(), 0, 1, 0);
        List<Variant> variants = new ArrayList<>();
        for (MmcaMode mode : DemoPipeline.MODES) {
            DemoChatModel kept = DemoModel.load(dir, mode);
            variants.add(new Variant(AccuracyTable.name(mode), d -> kept, d -> new DemoChatModel(kept.model(), data.encoder(), DemoData.PREPROCESSOR)));
        }
        LlamaModel lm = DemoModel.loadLlama(config, tokenizer, dir);
        for (MmcaMode mode : List.of(MmcaMode.CAUSAL, MmcaMode.STRICT)) {
            Function<Dialogue, ChatModel> reader = d -> new CaptionReader(lm, data, d.scenes(), mode);
            variants.add(new Variant("LM+captions " + mode.id(), reader, reader));
        }
        System.out.printf(Locale.ROOT, "%d held-out conversations, %d questions; best of %d runs each, load %s%n", heldOut.size(),
                heldOut.stream().mapToInt(d -> d.rounds().size()).sum(), repeats, load());
        System.out.printf(Locale.ROOT, "%-22s %22s %22s %14s %10s%n", "model", "re-decode wall / CPU s", "cached wall / CPU s", "ratio wall/CPU", "identical");
        double[] total = new double[4];
        for (Variant v : variants) {
            Pass fresh = null, cached = null;
            for (int r = 0; r < repeats; r++) {
                fresh = best(fresh, run(heldOut, v.fresh(), true, options));
                cached = best(cached, run(heldOut, v.cached(), false, options));
            }
            int same = 0;
            for (int i = 0; i < fresh.answers().size(); i++) if (fresh.answers().get(i).equals(cached.answers().get(i))) same++;
            System.out.printf(Locale.ROOT, "%-22s %10.2f / %9.2f %10.2f / %9.2f %6.2f / %5.2f %5d/%d%n", v.name(), fresh.wallSeconds(), fresh.cpuSeconds(),
                    cached.wallSeconds(), cached.cpuSeconds(), fresh.wallSeconds() / cached.wallSeconds(), fresh.cpuSeconds() / cached.cpuSeconds(),
                    same, fresh.answers().size());
            total[0] += fresh.wallSeconds();
            total[1] += fresh.cpuSeconds();
            total[2] += cached.wallSeconds();
            total[3] += cached.cpuSeconds();
        }
        System.out.printf(Locale.ROOT, "%-22s %10.2f / %9.2f %10.2f / %9.2f %6.2f / %5.2f%n", "stage 5", total[0], total[1], total[2], total[3],
                total[0] / total[2], total[1] / total[3]);
    }

    /** Asks every round of every dialogue as the demo's held-out evaluation does; a new chat model per round if {@code perRound}. */
    private static Pass run(List<Dialogue> dialogues, Function<Dialogue, ChatModel> modelFor, boolean perRound, GenerationOptions options) {
        List<String> answers = new ArrayList<>();
        long wall = System.nanoTime(), cpu = cpuNanos();
        for (Dialogue d : dialogues) {
            List<RgbImage> images = d.images(DemoData.RENDERER);
            List<ChatTurn> history = new ArrayList<>();
            ChatModel model = modelFor.apply(d);
            int shown = 0;
            for (Round round : d.rounds()) {
                if (perRound) model = modelFor.apply(d);
                int attached = round.attached().size();
                shown += attached;
                String answer = model.answer(List.copyOf(history), images.subList(0, shown), round.question(), attached, options, s -> {});
                history.add(new ChatTurn(round.question(), attached, answer));
                answers.add(answer);
            }
        }
        return new Pass(answers, (System.nanoTime() - wall) / 1e9, (cpuNanos() - cpu) / 1e9);
    }

    private static Pass best(Pass a, Pass b) {
        return a == null || b.wallSeconds() < a.wallSeconds() ? b : a;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String load() {
        return String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
