package org.visualchat.mmca.eval;

import java.io.IOException;
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
 * joins the history for the next round. The set's images were checked when it was read ({@link EvalSet}).
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

    /** Runs every case of {@code set}; {@code progress} hears one line per finished round. */
    public List<EvalRow> run(EvalSet set, Consumer<String> progress) throws IOException {
        List<EvalRow> rows = new ArrayList<>();
        for (EvalCase c : set.cases()) {
            ChatSession session = new ChatSession(model);
            for (int r = 0; r < c.rounds().size(); r++) {
                EvalRound round = c.rounds().get(r);
                for (String p : round.imagePaths()) session.attach(set.image(loader, p, c.name(), r), p);
                String answer = session.ask(round.question(), options, piece -> {});
                rows.add(new EvalRow(c.name(), round.imageField() != null ? round.imageField() : round.question(), round.question(), answer));
                progress.accept(c.name() + " round " + (r + 1) + ": " + answer);
            }
        }
        return rows;
    }
}
