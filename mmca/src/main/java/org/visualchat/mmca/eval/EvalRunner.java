package org.visualchat.mmca.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.GenerationOptions;

/**
 * The reference's batch generation ({@code eval/batch_generation.py}): every case is a fresh conversation,
 * every round attaches its images (all of them numbered, one {@code ### Image N:} block each — the reference
 * numbered only the first image of a multi-image round, reference §3.4), asks its question, and the answer
 * joins the history for the next round. Relative image paths are looked up from the working directory (as the
 * reference does) and then from the eval file's folder.
 */
public final class EvalRunner {
    private final ChatModel model;
    private final ChatRepl.ImageLoader loader;
    private final GenerationOptions options;

    public EvalRunner(ChatModel model, ChatRepl.ImageLoader loader, GenerationOptions options) {
        this.model = model;
        this.loader = loader;
        this.options = options;
    }

    /** Runs every case of {@code evalFile}; {@code progress} hears one line per finished round. */
    public List<EvalRow> run(Path evalFile, Consumer<String> progress) throws IOException {
        List<EvalCase> cases = EvalSetReader.read(evalFile);
        Path base = evalFile.toAbsolutePath().getParent();
        List<EvalRow> rows = new ArrayList<>();
        for (EvalCase c : cases) {
            ChatSession session = new ChatSession(model);
            for (int r = 0; r < c.rounds().size(); r++) {
                EvalRound round = c.rounds().get(r);
                for (String p : round.imagePaths()) session.attach(loader.load(resolve(p, base, c.name(), r)), p);
                String answer = session.ask(round.question(), options, piece -> {});
                rows.add(new EvalRow(c.name(), round.imageField() != null ? round.imageField() : round.question(), round.question(), answer));
                progress.accept(c.name() + " round " + (r + 1) + ": " + answer);
            }
        }
        return rows;
    }

    private static Path resolve(String path, Path base, String caseName, int round) throws IOException {
        Path p = Path.of(path);
        if (Files.exists(p)) return p;
        if (!p.isAbsolute() && Files.exists(base.resolve(p))) return base.resolve(p);
        throw new IOException("case '" + caseName + "' round " + (round + 1) + ": image not found: " + path
                + (p.isAbsolute() ? "" : " (looked in the working directory and in " + base + ")"));
    }
}
