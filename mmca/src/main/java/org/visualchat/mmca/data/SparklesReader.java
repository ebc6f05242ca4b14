package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.PromptTemplate;
import org.visualchat.mmca.prompt.Turn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

/**
 * {@code sparkles_dialogue} ({@code sparkles_dialogue_dataset.py}; reference §4.3.4): SparklesDialogue CC and VG,
 * {@code SparklesDialogue{CC,VG}/annotations/SparklesDialogue{CC,VG}.json}, lists of {@code {"dialogue": [{"role":
 * "user", "content": "... IMAGE#123 ...", "images": [{"image_id": 123}, ...]}, {"role": "assistant", "content":
 * "..."}, ...]}}; images {@code SparklesDialogue{CC,VG}/images/{image_id}.jpg}.
 *
 * <p>At open, a dialogue is kept if it has an even number of turns alternating user/assistant, every referenced
 * image file exists and it has at most 8 images (the original's one-time filter; the number left out is logged).
 * Each item: one naming style drawn per access from {"image a".."image h"}, {"image A".."image H"}, {"the first
 * image".."the eighth image"}; each {@code IMAGE#<id>} in questions and answers becomes the tag of that image
 * (tags in order of appearance); {@code <Img><ImageHere></Img>} and newlines are removed from questions; the first
 * word of the text and every word after {@code . ? !} + whitespace is capitalised with Python's
 * {@code str.capitalize} (rest of the word lower-cased); a user turn with images introduces them (markers numbered
 * on from earlier turns). Text-level numbering. Group size must be 1 (see {@link OtterMimicItReader}). The
 * original's cache {@code SparklesDialogue.json} stores absolute image folders of the machine that wrote it, so it
 * is not read.
 */
public final class SparklesReader {
    static final String SOURCE = "https://github.com/HYPJUDY/Sparkles";
    static final List<List<String>> TAG_STYLES = List.of(
            List.of("image a", "image b", "image c", "image d", "image e", "image f", "image g", "image h"),
            List.of("image A", "image B", "image C", "image D", "image E", "image F", "image G", "image H"),
            List.of("the first image", "the second image", "the third image", "the fourth image", "the fifth image",
                    "the sixth image", "the seventh image", "the eighth image"));
    /** {@code ((?<=[\.\?!]\s)(\w+)|(^\w+))} with Python 3's Unicode {@code \w} and {@code \s}. */
    private static final Pattern SENTENCE_START = Pattern.compile("((?<=[.?!]\\s)(\\w+)|(^\\w+))", Pattern.UNICODE_CHARACTER_CLASS);
    private static final System.Logger LOG = System.getLogger(SparklesReader.class.getName());

    private SparklesReader() {}

    /** A kept dialogue and the image folder of its subset. */
    private record Dialogue(List<?> turns, Path imageDir) {}

    public static ConversationDataset open(Path root, int maxGroupSize, long seed) throws IOException {
        String name = "sparkles_dialogue";
        OtterMimicItReader.requireSingle(name, maxGroupSize);
        List<Dialogue> kept = new ArrayList<>();
        int dropped = 0;
        for (String subset : List.of("SparklesDialogueCC", "SparklesDialogueVG")) {
            Path images = AnnotationFiles.requireDirectory(root.resolve(subset + "/images"), name, SOURCE);
            Path file = AnnotationFiles.requireFile(root.resolve(subset + "/annotations/" + subset + ".json"), name, SOURCE);
            for (Object item : AnnotationFiles.readList(file, null)) {
                if (item instanceof Map<?, ?> m && m.get("dialogue") instanceof List<?> turns && usable(turns, images)) {
                    kept.add(new Dialogue(turns, images));
                } else {
                    dropped++;
                }
            }
        }
        if (dropped > 0) {
            LOG.log(System.Logger.Level.INFO, "{0}: left out {1} dialogues (odd turns, wrong roles, missing images or more than 8)", name, dropped);
        }
        return new GroupedDataset<>(name, kept, 1, seed, SparklesReader::render);
    }

    private static boolean usable(List<?> turns, Path images) {
        if (turns.size() % 2 != 0) return false;
        int count = 0;
        for (int i = 0; i < turns.size(); i++) {
            if (!(turns.get(i) instanceof Map<?, ?> turn)) return false;
            if (!(i % 2 == 0 ? "user" : "assistant").equals(turn.get("role"))) return false;
            if (turn.get("images") instanceof List<?> list) {
                for (Object image : list) {
                    count++;
                    if (!(image instanceof Map<?, ?> m) || m.get("image_id") == null
                            || !Files.isRegularFile(images.resolve(idText(m.get("image_id")) + ".jpg"))) return false;
                }
            }
        }
        return count <= PromptTemplate.MAX_IMAGES;
    }

    private static Conversation render(Dialogue dialogue, String id, RandomGenerator random) throws BadSampleException {
        List<String> tags = TAG_STYLES.get(random.nextInt(TAG_STYLES.size()));
        List<String> references = new ArrayList<>();   // "IMAGE#<id>" in order of appearance
        List<ImageSource> images = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        List<?> t = dialogue.turns();
        for (int i = 0; i < t.size(); i++) {
            // process_image collects images of every turn; process_text only of user turns (a mismatch is skipped).
            Map<?, ?> turn = Fields.object(t.get(i), id + ".dialogue[" + i + "]");
            if (turn.get("images") instanceof List<?> list) {
                for (Object image : list) {
                    String imageId = idText(Fields.object(image, id + ".images").get("image_id"));
                    images.add(ImageSource.file(dialogue.imageDir().resolve(imageId + ".jpg")));
                    if (i % 2 == 0) references.add("IMAGE#" + imageId);
                }
            }
        }
        int introduced = 0;
        for (int i = 0; i + 1 < t.size(); i += 2) {
            Map<?, ?> user = Fields.object(t.get(i), id + ".dialogue[" + i + "]");
            int newImages = user.get("images") instanceof List<?> list ? list.size() : 0;
            introduced += newImages;
            String question = Fields.string(user, "content", id + ".dialogue[" + i + "]")
                    .replace("<Img><ImageHere></Img>", "").replace("\n", "");
            String answer = Fields.string(Fields.object(t.get(i + 1), id + ".dialogue[" + (i + 1) + "]"), "content",
                    id + ".dialogue[" + (i + 1) + "]");
            // Tags known so far: the original substitutes the references collected up to this round.
            List<String> known = references.subList(0, Math.min(introduced, references.size()));
            turns.add(new Turn(capitalizeSentences(substitute(question, known, tags)),
                    capitalizeSentences(substitute(answer, known, tags)), newImages));
        }
        return new Conversation(id, turns, images, MarkerNumbering.TEXT_LEVEL);
    }

    /** Each {@code IMAGE#<id>} → its tag, via {@code %temp{i}%} placeholders so one tag never rewrites another. */
    static String substitute(String text, List<String> references, List<String> tags) {
        String out = text;
        for (int i = 0; i < references.size(); i++) out = out.replace(references.get(i), "%temp" + i + "%");
        for (int i = 0; i < references.size(); i++) out = out.replace("%temp" + i + "%", tags.get(i));
        return out;
    }

    /** {@code regex.sub(lambda m: m.group().capitalize(), text)}. */
    static String capitalizeSentences(String text) {
        Matcher m = SENTENCE_START.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(capitalize(m.group())));
        m.appendTail(out);
        return out.toString();
    }

    /** Python 3 {@code str.capitalize}: first character title-cased, the rest lower-cased. */
    static String capitalize(String word) {
        if (word.isEmpty()) return word;
        int first = word.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(word.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    private static String idText(Object imageId) {
        return imageId instanceof Long || imageId instanceof String ? imageId.toString() : String.valueOf(imageId);
    }
}
