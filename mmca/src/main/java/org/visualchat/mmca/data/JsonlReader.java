package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.JsonException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Our own format for multi-image multi-round conversations: UTF-8 JSON Lines, one conversation per line (blank
 * lines ignored), images introduced by the round that first shows them, paths relative to the file's folder
 * (or absolute):
 * <pre>
 * {"id": "cats-1", "rounds": [
 *    {"images": ["img/cat1.jpg", "img/cat2.jpg"], "question": "Which cat is older?", "answer": "The first one."},
 *    {"question": "Why?", "answer": "Its fur is grey."},
 *    {"images": ["img/cat3.jpg"], "question": "And this one?", "answer": "It is a kitten."}]}
 * </pre>
 * {@code id} is optional (default {@code <file name>:<line>}); {@code images} is optional per round; a sample needs
 * at least one image and at most 8. Text-level marker numbering, like the original's chat. Texts are used as
 * written ({@code <image>} tags are not stripped: an {@code <image>} in a text makes the sample an image-count
 * mismatch). A malformed line is a bad sample (counted, skipped), not a fatal error; see docs/data.md.
 */
public final class JsonlReader {
    private JsonlReader() {}

    public static ConversationDataset open(Path file, int maxGroupSize, long seed) throws IOException {
        if (!Files.isRegularFile(file)) throw new DatasetFormatException("jsonl: conversation file " + file + " not found");
        Path dir = file.toAbsolutePath().getParent();
        record Line(int number, String text) {}
        List<Line> lines = new ArrayList<>();
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < all.size(); i++) if (!all.get(i).isBlank()) lines.add(new Line(i + 1, all.get(i)));
        String name = "jsonl:" + file.getFileName();
        return new GroupedDataset<>(name, lines, maxGroupSize, seed, (line, id, random) -> {
            String where = file.getFileName() + ":" + line.number();
            Object parsed;
            try {
                parsed = Json.parse(line.text());
            } catch (JsonException e) {
                throw new BadSampleException(SkipReason.MALFORMED_ANNOTATION, where + ": not valid JSON: " + e.getMessage(), e);
            }
            Map<?, ?> object = Fields.object(parsed, where);
            String sampleId = object.get("id") instanceof String s ? s : where;
            List<?> rounds = Fields.list(object, "rounds", where);
            if (rounds.isEmpty()) throw Fields.malformed(where + ".rounds", "is empty");
            List<Turn> turns = new ArrayList<>();
            List<ImageSource> images = new ArrayList<>();
            for (int r = 0; r < rounds.size(); r++) {
                String at = where + ".rounds[" + r + "]";
                Map<?, ?> round = Fields.object(rounds.get(r), at);
                List<?> paths = round.containsKey("images") ? Fields.list(round, "images", at) : List.of();
                for (int i = 0; i < paths.size(); i++) images.add(ImageSource.file(dir.resolve(Fields.string(paths, i, at + ".images"))));
                turns.add(new Turn(Fields.string(round, "question", at), Fields.string(round, "answer", at), paths.size()));
            }
            return new Conversation(sampleId, turns, images, MarkerNumbering.TEXT_LEVEL);
        });
    }
}
