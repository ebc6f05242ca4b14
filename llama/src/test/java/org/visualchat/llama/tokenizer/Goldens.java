package org.visualchat.llama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * The committed reference files under src/test/resources/tokenizer/, written by
 * src/test/scripts/tokenizer/make-goldens.py with SentencePiece 0.1.97: (text, ids) pairs from encode, and
 * (ids, text) pairs from decode. Also the committed small models.
 */
final class Goldens {
    /** One reference pair. */
    record Case(String text, int[] ids) {}

    private Goldens() {}

    static List<Case> encodeCases(String model) {
        return read("tokenizer/" + model + "-golden.jsonl.gz");
    }

    static List<Case> decodeCases(String model) {
        return read("tokenizer/" + model + "-golden-decode.jsonl.gz");
    }

    /** A committed model as a file (the loader takes paths). */
    static Path committedModel(String name) {
        try {
            Path file = Files.createTempFile(name, ".model");
            file.toFile().deleteOnExit();
            try (InputStream in = resource("tokenizer/" + name + ".model")) {
                Files.write(file, in.readAllBytes());
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Model path by golden name: the two committed models, or Meta's LLaMA-2 fetched from npm. */
    static Path model(String name) throws IOException {
        return name.equals("llama2") ? NpmFixtures.llama2Model() : committedModel(name);
    }

    /**
     * Asserts that {@code actual} gives every case's ids, reporting the agreement figure and the first
     * mismatches; returns the number of cases checked.
     */
    static int assertAllMatch(String what, List<Case> cases, Function<Case, int[]> actual) {
        List<String> mismatches = new ArrayList<>();
        for (Case c : cases) {
            int[] got = actual.apply(c);
            if (!Arrays.equals(got, c.ids())) {
                mismatches.add(String.format("%s%n    expected %s%n    got      %s", quote(c.text()),
                        Arrays.toString(c.ids()), Arrays.toString(got)));
            }
        }
        System.out.printf("%s: %d of %d equal%n", what, cases.size() - mismatches.size(), cases.size());
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                what + ": " + mismatches.size() + " of " + cases.size() + " differ (first 10 shown)");
        return cases.size();
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c)
                : new String(Character.toChars(c))));
        return out.append('"').toString();
    }

    private static List<Case> read(String resourceName) {
        ObjectMapper json = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(resource(resourceName)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode node = json.readTree(line);
                int[] ids = new int[node.get("ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = node.get("ids").get(i).asInt();
                cases.add(new Case(node.get("text").asText(), ids));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(resourceName, e);
        }
        return cases;
    }

    private static InputStream resource(String name) {
        return Objects.requireNonNull(Goldens.class.getClassLoader().getResourceAsStream(name), name);
    }
}
