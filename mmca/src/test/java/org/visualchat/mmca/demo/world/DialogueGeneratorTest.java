package org.visualchat.mmca.demo.world;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DialogueGeneratorTest {
    private static final List<Dialogue> TRAIN = new DialogueGenerator(7, Split.TRAIN).next(3000);

    @Test
    void sameSeedGivesSameConversationsAndPixels() {
        List<Dialogue> a = new DialogueGenerator(42, Split.HELD_OUT).next(50);
        List<Dialogue> b = new DialogueGenerator(42, Split.HELD_OUT).next(50);
        assertEquals(a, b);
        SceneRenderer renderer = new SceneRenderer(32);
        for (int i = 0; i < a.size(); i++) assertEquals(a.get(i).images(renderer), b.get(i).images(renderer));
        assertNotEquals(a, new DialogueGenerator(43, Split.HELD_OUT).next(50));
    }

    @Test
    void everyAnswerMatchesAnIndependentReadingOfTheQuestion() {
        for (Dialogue c : TRAIN) {
            for (int r = 0; r < c.rounds().size(); r++) {
                Round round = c.rounds().get(r);
                assertEquals(round.answer(), oracle(round.question(), c, r), round.question());
            }
        }
    }

    @Test
    void questionsOnlyMentionImagesAlreadyShown() {
        Pattern image = Pattern.compile("image (\\d)");
        for (Dialogue c : TRAIN) {
            for (int r = 0; r < c.rounds().size(); r++) {
                Matcher m = image.matcher(c.rounds().get(r).question());
                while (m.find()) assertTrue(Integer.parseInt(m.group(1)) <= c.imagesShownBy(r));
                for (int i : c.rounds().get(r).images()) assertTrue(i <= c.imagesShownBy(r));
            }
        }
    }

    @Test
    void conversationsAreMultiImageMultiRound() {
        int multiImage = 0, lateImage = 0, severalInOneRound = 0;
        for (Dialogue c : TRAIN) {
            assertTrue(c.rounds().size() >= 2 && c.rounds().size() <= 5);
            assertFalse(c.rounds().getFirst().attached().isEmpty(), "round 1 must show an image");
            if (c.scenes().size() > 1) multiImage++;
            if (c.rounds().stream().skip(1).anyMatch(r -> !r.attached().isEmpty())) lateImage++;
            if (c.rounds().stream().anyMatch(r -> r.attached().size() > 1)) severalInOneRound++;
        }
        assertTrue(multiImage > 0.7 * TRAIN.size(), "multi-image conversations: " + multiImage);
        assertTrue(lateImage > 0.3 * TRAIN.size(), "images attached after round 1: " + lateImage);
        assertTrue(severalInOneRound > 0.2 * TRAIN.size(), "rounds with several images: " + severalInOneRound);
    }

    @Test
    void questionTypesAndAnswersAreBalanced() {
        Map<QuestionType, Map<String, Integer>> answers = new EnumMap<>(QuestionType.class);
        int total = 0;
        for (Dialogue c : TRAIN) {
            for (Round r : c.rounds()) {
                answers.computeIfAbsent(r.type(), t -> new HashMap<>()).merge(r.answer(), 1, Integer::sum);
                total++;
            }
        }
        double uniform = total / (double) QuestionType.values().length;
        Map<QuestionType, Double> maxMajority = Map.of(QuestionType.COLOUR_OF, 0.3, QuestionType.COUNT_COLOUR, 0.5,
                QuestionType.MORE_KIND, 0.5, QuestionType.SAME_COLOUR, 0.55, QuestionType.DESCRIBE, 0.01, QuestionType.RECALL, 0.1);
        for (QuestionType t : QuestionType.values()) {
            Map<String, Integer> byAnswer = answers.get(t);
            int n = byAnswer.values().stream().mapToInt(Integer::intValue).sum();
            assertEquals(uniform, n, 0.1 * uniform, t + " asked " + n + " times of " + total);
            int majority = byAnswer.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(majority <= maxMajority.get(t) * n, t + " majority answer " + majority + "/" + n + " " + byAnswer);
        }
        assertEquals(2, answers.get(QuestionType.SAME_COLOUR).size());
        assertTrue(answers.get(QuestionType.SAME_COLOUR).values().stream().allMatch(k -> k > 0.45 * answers.get(QuestionType.SAME_COLOUR).values().stream().mapToInt(Integer::intValue).sum()));
    }

    @Test
    void heldOutAndTrainingScenesNeverCoincide() {
        for (Dialogue c : TRAIN) for (Scene s : c.scenes()) assertEquals(Split.TRAIN, Split.of(s));
        for (Dialogue c : new DialogueGenerator(7, Split.HELD_OUT).next(500)) {
            for (Scene s : c.scenes()) assertEquals(Split.HELD_OUT, Split.of(s));
        }
        java.util.Random random = new java.util.Random(1);
        int held = 0;
        for (int i = 0; i < 8000; i++) if (Split.of(SceneGenerator.next(random)) == Split.HELD_OUT) held++;
        assertEquals(1000, held, 120, "one scene in eight is held out");
    }

    /** Answers each question from its text alone, with code that shares nothing with {@link QuestionType}. */
    private static String oracle(String question, Dialogue c, int round) {
        Matcher m;
        if ((m = Pattern.compile("Describe image (\\d)\\.").matcher(question)).matches()) {
            return describe(scene(c, m.group(1)));
        }
        if ((m = Pattern.compile("What colour is the (\\w+) in image (\\d)\\?").matcher(question)).matches()) {
            return single(scene(c, m.group(2)), m.group(1)).colour().name().toLowerCase();
        }
        if ((m = Pattern.compile("How many (\\w+) shapes are in image (\\d)\\?").matcher(question)).matches()) {
            int n = 0;
            for (Shape s : scene(c, m.group(2)).shapes()) if (s.colour().name().equalsIgnoreCase(m.group(1))) n++;
            return Integer.toString(n);
        }
        if ((m = Pattern.compile("Which image has more (\\w+)s, image (\\d) or image (\\d)\\?").matcher(question)).matches()) {
            int a = count(scene(c, m.group(2)), m.group(1)), b = count(scene(c, m.group(3)), m.group(1));
            assertNotEquals(a, b, "a tie has no answer: " + question);
            return "image " + (a > b ? m.group(2) : m.group(3));
        }
        if ((m = Pattern.compile("Is the (\\w+) in image (\\d) the same colour as the (\\w+) in image (\\d)\\?").matcher(question)).matches()) {
            assertEquals(m.group(1), m.group(3));
            return single(scene(c, m.group(2)), m.group(1)).colour() == single(scene(c, m.group(4)), m.group(3)).colour() ? "yes" : "no";
        }
        if ((m = Pattern.compile("What was your answer to question (\\d)\\?").matcher(question)).matches()) {
            int earlier = Integer.parseInt(m.group(1)) - 1;
            assertTrue(earlier < round);
            return c.rounds().get(earlier).answer();
        }
        throw new AssertionError("unknown question: " + question);
    }

    private static Scene scene(Dialogue c, String number) { return c.scenes().get(Integer.parseInt(number) - 1); }

    private static int count(Scene scene, String kind) {
        int n = 0;
        for (Shape s : scene.shapes()) if (s.kind().name().equalsIgnoreCase(kind)) n++;
        return n;
    }

    private static Shape single(Scene scene, String kind) {
        assertEquals(1, count(scene, kind), "'the " + kind + "' must be unique");
        for (Shape s : scene.shapes()) if (s.kind().name().equalsIgnoreCase(kind)) return s;
        throw new AssertionError();
    }

    private static String describe(Scene scene) {
        StringBuilder out = new StringBuilder();
        String[] where = {"top left", "top right", "bottom left", "bottom right"};
        for (int cell = 0; cell < 4; cell++) {
            for (Shape s : scene.shapes()) {
                if (s.cell().ordinal() != cell) continue;
                if (!out.isEmpty()) out.append(" and ");
                out.append("a ").append(s.size().name().toLowerCase()).append(' ').append(s.colour().name().toLowerCase())
                        .append(' ').append(s.kind().name().toLowerCase()).append(" at the ").append(where[cell]);
            }
        }
        return out.toString();
    }
}
