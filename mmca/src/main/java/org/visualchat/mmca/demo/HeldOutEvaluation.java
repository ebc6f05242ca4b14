package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Answers;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.QuestionType;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.vision.image.RgbImage;

/**
 * Exact-answer accuracy on held-out dialogues, asked through a real {@link ChatSession} as a user would:
 * images attached in their rounds, greedy decoding, and the model's own earlier answers (not the gold ones)
 * in the history, as in a real chat; a recall question is therefore graded against the model's own earlier
 * answer.
 */
final class HeldOutEvaluation {
    private HeldOutEvaluation() {}

    /**
     * The right answer to round {@code r}: the scene's truth, except for a recall question, whose right answer
     * is what the model itself said in the recalled round (a correct recall of a wrong answer is a correct recall).
     */
    static String expected(Dialogue d, int r, List<String> given) {
        Round round = d.rounds().get(r);
        if (round.type() != QuestionType.RECALL) return round.answer();
        for (int earlier = 0; earlier < r; earlier++) {
            if (round.question().equals(QuestionType.recallQuestion(earlier + 1))) return given.get(earlier);
        }
        throw new IllegalStateException("recall question without its round: " + round.question());
    }

    /** Called once per asked question: the conversation, the round's index in it, and whether the answer was right. */
    interface Grade {
        void record(Dialogue d, int round, boolean right);
    }

    /**
     * A question counts as multi-image when the conversation has shown two or more images by its round: the
     * model must find the right one among several (comparisons, "image 2" among three, recall across them).
     */
    static DemoScores run(Function<Dialogue, ChatModel> modelFor, List<Dialogue> dialogues, int maxAnswerTokens, ProgressBar bar) {
        Map<QuestionType, int[]> byType = new EnumMap<>(QuestionType.class);
        for (QuestionType t : QuestionType.values()) byType.put(t, new int[2]);
        int[] multi = new int[2];
        ask(modelFor, dialogues, maxAnswerTokens, bar, (d, r, right) -> {
            int[] c = byType.get(d.rounds().get(r).type());
            c[1]++;
            if (right) c[0]++;
            if (d.imagesShownBy(r) >= 2) {
                multi[1]++;
                if (right) multi[0]++;
            }
        });
        return new DemoScores(byType, multi);
    }

    /**
     * Asks every round of every conversation through a {@link ChatSession} and hands each graded answer to {@code grade},
     * in conversation order. Conversations are answered in parallel, one per core, each by its own model from
     * {@code modelFor} (which must not share state between the models it returns) with its ops on that core: a
     * decode step of a 64-wide model is made of ops too short to split across cores. Each conversation's answers
     * depend on nothing but its own rounds, so they are the same whatever the thread count.
     */
    static void ask(Function<Dialogue, ChatModel> modelFor, List<Dialogue> dialogues, int maxAnswerTokens, ProgressBar bar, Grade grade) {
        GenerationOptions options = new GenerationOptions(maxAnswerTokens, 0, 1, 0);
        List<List<String>> given = new ArrayList<>(Collections.nCopies(dialogues.size(), null));
        AtomicInteger done = new AtomicInteger();
        WorkerPool.get().parallelForChunks(dialogues.size(), 1, (start, end) -> {
            for (int i = start; i < end; i++) {
                given.set(i, answers(modelFor.apply(dialogues.get(i)), dialogues.get(i), options));
                synchronized (bar) {
                    bar.update(done.incrementAndGet(), "");
                }
            }
        });
        bar.finish();
        for (int i = 0; i < dialogues.size(); i++) {
            Dialogue d = dialogues.get(i);
            for (int r = 0; r < d.rounds().size(); r++) grade.record(d, r, Answers.correct(expected(d, r, given.get(i)), given.get(i).get(r)));
        }
    }

    /** The model's answers to the rounds of {@code d}, each round's images attached as it shows them. */
    private static List<String> answers(ChatModel model, Dialogue d, GenerationOptions options) {
        ChatSession session = new ChatSession(model);
        List<RgbImage> images = d.images(DemoData.RENDERER);
        List<String> given = new ArrayList<>();
        for (Round round : d.rounds()) {
            for (int image : round.attached()) session.attach(images.get(image - 1), "image " + image);
            given.add(session.ask(round.question(), options, piece -> {}));
        }
        return given;
    }
}
