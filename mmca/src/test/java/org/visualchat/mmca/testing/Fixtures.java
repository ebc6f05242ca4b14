package org.visualchat.mmca.testing;

import org.visualchat.tensor.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writing dataset fixtures in the original layouts. */
public final class Fixtures {
    private Fixtures() {}

    /** Writes {@code value} as JSON to {@code root/relative} (parents created). */
    public static Path json(Path root, String relative, Object value) {
        return text(root, relative, Json.writePretty(value));
    }

    public static Path text(Path root, String relative, String content) {
        Path file = root.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An insertion-ordered map from alternating keys and values (Map.of has no order; JSON files do). */
    public static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return map;
    }

    /** A LLaVA conversations entry. */
    public static Map<String, Object> turn(String from, String value) {
        return obj("from", from, "value", value);
    }
}
