package org.visualchat.mmca.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.io.Json;

/**
 * Reads the reference's batch-evaluation files ({@code eval/eval_data/eval_single.json},
 * {@code eval_comprehensive.json}, {@code eval_robustness.json}): a JSON object mapping each case name to its
 * rounds in order, each round {@code [question]} or {@code [question, "path1 path2 ..."]}. Paths are split on
 * white space like the reference's {@code split(' ')} (runs of spaces do not make empty paths here).
 * Every malformed entry is reported with the file, case and round it is in.
 */
public final class EvalSetReader {
    private EvalSetReader() {}

    public static List<EvalCase> read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + ": is a directory, not an eval file");
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such eval file");
        Object root = Json.read(file);      // a syntax error is an IOException naming the file
        if (!(root instanceof Map<?, ?> cases)) throw new IOException(file + ": expected an object mapping case names to rounds");
        if (cases.isEmpty()) throw new IOException(file + ": no cases");
        List<EvalCase> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : cases.entrySet()) {
            String where = file + ": case '" + e.getKey() + "'";
            if (!(e.getValue() instanceof List<?> rounds) || rounds.isEmpty()) throw new IOException(where + ": expected a non-empty list of rounds");
            List<EvalRound> parsed = new ArrayList<>();
            for (int r = 0; r < rounds.size(); r++) parsed.add(round(rounds.get(r), where + " round " + (r + 1)));
            if (parsed.getFirst().imagePaths().isEmpty()) {
                // The reference raises "No image provided" here; say it before any model work is done.
                throw new IOException(where + " round 1: the first round must attach at least one image");
            }
            out.add(new EvalCase((String) e.getKey(), parsed));
        }
        return out;
    }

    private static EvalRound round(Object value, String where) throws IOException {
        if (!(value instanceof List<?> items) || items.isEmpty() || items.size() > 2) {
            throw new IOException(where + ": expected [question] or [question, \"image paths\"], got " + Json.write(value));
        }
        if (!(items.getFirst() instanceof String question) || question.isBlank()) throw new IOException(where + ": the question must be a non-empty string");
        if (items.size() == 1) return new EvalRound(question, List.of(), null);
        if (!(items.get(1) instanceof String field)) throw new IOException(where + ": the image paths must be one string, separated by spaces");
        List<String> paths = Arrays.stream(field.strip().split("\\s+")).filter(p -> !p.isEmpty()).toList();
        if (paths.isEmpty()) throw new IOException(where + ": empty image path list");
        return new EvalRound(question, paths, field);
    }
}
