package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small strict JSON (RFC 8259) reader and writer, enough for safetensors headers, shard indexes and
 * Hugging Face {@code config.json} files, with no dependency beyond the JDK.
 *
 * <p>Values map to Java as: object → {@code LinkedHashMap<String, Object>} (file order kept), array →
 * {@code ArrayList<Object>}, string → {@code String}, integer → {@code Long} ({@code BigInteger} when it
 * does not fit), other numbers → {@code Double}, {@code true/false} → {@code Boolean}, {@code null} →
 * {@code null}. The reader is strict: no comments, no trailing commas, no leading zeros, no NaN, no
 * unescaped control characters, no trailing content, and duplicate object keys are an error (the
 * safetensors reference rejects them; for other files a duplicate is a bug worth hearing about).
 */
public final class Json {
    private Json() {}

    /** Parses a JSON text; throws {@link JsonException} with line, column and offset on bad input. */
    public static Object parse(String text) {
        return new JsonParser(text).parseDocument();
    }

    /** Decodes strict UTF-8 (malformed bytes are an error, not U+FFFD) and parses the result. */
    public static Object parseUtf8(byte[] utf8) {
        String text;
        try {
            text = StrictUtf8.decode(utf8);
        } catch (StrictUtf8.Malformed e) {
            throw new JsonException(e.getMessage(), e.byteOffset);
        }
        return parse(text);
    }

    /** Reads and parses a UTF-8 JSON file; errors name the file. */
    public static Object read(Path file) throws IOException {
        try {
            return parseUtf8(Files.readAllBytes(file));
        } catch (JsonException e) {
            throw new TensorFileException(file, "bad JSON: " + e.getMessage());
        }
    }

    /** Compact JSON text (no spaces), as serde_json and the safetensors writer produce. */
    public static String write(Object value) {
        return new JsonWriter(-1).write(value);
    }

    /** JSON text indented by two spaces per level (Python's {@code json.dumps(indent=2)} layout). */
    public static String writePretty(Object value) {
        return new JsonWriter(2).write(value);
    }
}
