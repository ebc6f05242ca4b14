package org.visualchat.mmca.demo.world;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded source of synthetic conversations. A conversation shows one to three images (20 / 40 / 40 %), over
 * {@code images + 1} or {@code images + 2} rounds; round 1 attaches one or more images and the rest arrive
 * in later rounds, so images appear mid-conversation and several per round, as in the reference eval sets.
 *
 * <p>Balance, so that accuracy cannot come from guessing the common answer: each round asks the question type
 * that has been asked least so far among those that can be asked, and within a type picks, among the answers
 * it can have for these images, the answer given least often so far for that type, then a question with
 * that answer (ties broken at random). The same seed and split give the same sequence of conversations.
 */
public final class DialogueGenerator {
    private final Random random;
    private final Split split;
    private final Map<QuestionType, Integer> asked = new EnumMap<>(QuestionType.class);
    private final Map<QuestionType, Map<String, Integer>> answered = new EnumMap<>(QuestionType.class);

    public DialogueGenerator(long seed, Split split) {
        this.random = new Random(seed);
        this.split = split;
        for (QuestionType t : QuestionType.values()) asked.put(t, 0);
    }

    /** The next {@code count} conversations. */
    public List<Dialogue> next(int count) {
        List<Dialogue> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(next());
        return out;
    }

    public Dialogue next() {
        double u = random.nextDouble();
        int imageCount = u < 0.2 ? 1 : u < 0.6 ? 2 : 3;
        int roundCount = imageCount + 1 + random.nextInt(2);
        int[] attachCount = new int[roundCount];
        attachCount[0] = 1 + random.nextInt(imageCount);
        for (int i = attachCount[0]; i < imageCount; i++) attachCount[1 + random.nextInt(roundCount - 1)]++;

        List<Scene> scenes = new ArrayList<>();
        List<Round> rounds = new ArrayList<>();
        for (int r = 0; r < roundCount; r++) {
            List<Integer> attached = new ArrayList<>();
            for (int k = 0; k < attachCount[r]; k++) {
                scenes.add(SceneGenerator.next(random, split));
                attached.add(scenes.size());
            }
            rounds.add(ask(attached, scenes, rounds));
        }
        return new Dialogue(scenes, rounds, random.nextLong());
    }

    /**
     * Whether asking {@code type} now can keep its answers balanced: some possible answer must have been given
     * no more often than the median answer of this type. Without this rule an answer that the scenes rarely
     * allow (two images whose only squares share a colour: "yes") would fall far behind the common one.
     */
    private boolean keepsBalance(QuestionType type, List<QuestionType.Candidate> candidates) {
        Map<String, Integer> given = answered.get(type);
        if (!type.fewAnswers() || given == null || given.isEmpty()) return true;
        int[] counts = given.values().stream().mapToInt(Integer::intValue).sorted().toArray();
        double median = (counts[(counts.length - 1) / 2] + counts[counts.length / 2]) / 2.0;
        for (QuestionType.Candidate c : candidates) if (given.getOrDefault(c.answer(), 0) <= median) return true;
        return false;
    }

    /** The candidates of the answer given least often so far for this type; ties broken at random. */
    private List<QuestionType.Candidate> leastUsed(Map<String, List<QuestionType.Candidate>> byAnswer, Map<String, Integer> given) {
        List<QuestionType.Candidate> group = null;
        int best = Integer.MAX_VALUE, ties = 0;
        for (var e : byAnswer.entrySet()) {
            int n = given.getOrDefault(e.getKey(), 0);
            if (n < best) { best = n; ties = 1; group = e.getValue(); }
            else if (n == best && random.nextInt(++ties) == 0) group = e.getValue();
        }
        return group;
    }

    private Round ask(List<Integer> attached, List<Scene> shown, List<Round> earlier) {
        QuestionType type = null;
        List<QuestionType.Candidate> candidates = List.of();
        int best = Integer.MAX_VALUE, ties = 0;
        for (QuestionType t : QuestionType.values()) {
            List<QuestionType.Candidate> c = t.candidates(shown, earlier);
            if (c.isEmpty() || !keepsBalance(t, c)) continue;
            int n = asked.get(t);
            // Reservoir choice among the least-asked types: each tie wins with probability 1/ties.
            if (n < best) { best = n; ties = 1; type = t; candidates = c; }
            else if (n == best && random.nextInt(++ties) == 0) { type = t; candidates = c; }
        }
        if (type == null) throw new IllegalStateException("no question can be asked about " + shown.size() + " images");
        asked.merge(type, 1, Integer::sum);
        Map<String, List<QuestionType.Candidate>> byAnswer = new LinkedHashMap<>();
        for (QuestionType.Candidate c : candidates) byAnswer.computeIfAbsent(c.answer(), a -> new ArrayList<>()).add(c);
        Map<String, Integer> given = answered.computeIfAbsent(type, t -> new HashMap<>());
        List<QuestionType.Candidate> group = leastUsed(byAnswer, given);
        QuestionType.Candidate chosen = group.get(random.nextInt(group.size()));
        given.merge(chosen.answer(), 1, Integer::sum);
        return new Round(attached, type, chosen.question(), chosen.answer(), chosen.images());
    }
}
