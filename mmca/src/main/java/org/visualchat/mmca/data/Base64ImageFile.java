package org.visualchat.mmca.data;

import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.JsonException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A MIMIC-IT image file ({@code MIMIC-IT/SD.json}, {@code SN.json}, {@code TVC.json}, {@code VST.json}: one JSON
 * object mapping image id → base64 JPEG) read without loading it: one streaming pass records where each value
 * lies, and an image's bytes are read from the file when it is decoded. The files run to many gigabytes (the
 * original {@code json.load}s them whole); here memory holds only the ids and offsets. Immutable after
 * construction, thread-safe.
 */
final class Base64ImageFile {
    private record Span(long offset, int length) {}

    private final Path file;
    private final Map<String, Span> spans;

    private Base64ImageFile(Path file, Map<String, Span> spans) {
        this.file = file;
        this.spans = spans;
    }

    /**
     * Indexes {@code file}. Entries whose value is not a string are left out.
     *
     * @throws DatasetFormatException naming the file and byte offset when it is not one JSON object
     */
    static Base64ImageFile index(Path file) throws IOException {
        Map<String, Span> spans = new HashMap<>();
        try (InputStream raw = Files.newInputStream(file); Scanner in = new Scanner(new BufferedInputStream(raw, 1 << 16), file)) {
            in.expect('{');
            int c = in.skipSpace();
            if (c == '}') return new Base64ImageFile(file, spans);
            while (true) {
                if (c != '"') throw in.error("expected '\"' starting an image id");
                String key = in.string();
                if (in.skipSpace() != ':') throw in.error("expected ':' after image id \"" + key + "\"");
                c = in.skipSpace();
                if (c == '"') {
                    long start = in.position();
                    in.skipString();
                    long length = in.position() - 1 - start;
                    if (length > Integer.MAX_VALUE) throw in.error("image \"" + key + "\" is larger than 2 GiB");
                    spans.put(key, new Span(start, (int) length));
                    c = in.skipSpace();
                } else {
                    c = in.skipValue(c);   // not an image: left out
                }
                if (c == '}') break;
                if (c != ',') throw in.error("expected ',' or '}' after the value of \"" + key + "\"");
                c = in.skipSpace();
            }
            if (in.skipSpace() != -1) throw in.error("content after the closing '}'");
        }
        return new Base64ImageFile(file, spans);
    }

    boolean contains(String id) {
        return spans.containsKey(id);
    }

    int size() {
        return spans.size();
    }

    /** An image source for {@code id}, or null if the file has no such image. */
    ImageSource source(String id) {
        Span span = spans.get(id);
        return span == null ? null : new ImageSource.StoredBase64(file.getFileName() + ":" + id, file, span.offset(), span.length());
    }

    /** The raw bytes between the quotes of a value, JSON escapes (e.g. {@code \/}) undone. */
    static byte[] readValue(Path file, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(file)) {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) throw new IOException(file + ": ends inside an image value");
            }
        }
        byte[] bytes = buffer.array();
        for (byte b : bytes) {
            if (b == '\\') {
                try {
                    return ((String) Json.parse("\"" + new String(bytes, StandardCharsets.UTF_8) + "\"")).getBytes(StandardCharsets.ISO_8859_1);
                } catch (JsonException e) {
                    throw new IOException(file + " at byte " + offset + ": bad string escape: " + e.getMessage(), e);
                }
            }
        }
        return bytes;
    }

    /** A byte reader that knows its offset, with just enough JSON lexing to walk a flat object. */
    private static final class Scanner implements AutoCloseable {
        private final InputStream in;
        private final Path file;
        private long position;

        Scanner(InputStream in, Path file) {
            this.in = in;
            this.file = file;
        }

        long position() {
            return position;
        }

        int read() throws IOException {
            int c = in.read();
            if (c >= 0) position++;
            return c;
        }

        int skipSpace() throws IOException {
            int c;
            do c = read(); while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
            return c;
        }

        void expect(int wanted) throws IOException {
            if (skipSpace() != wanted) throw error("expected '" + (char) wanted + "'");
        }

        /** The rest of a string whose opening quote was read. */
        String string() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean escaped = false;
            for (int c = read(); ; c = read()) {
                if (c < 0) throw error("unterminated string");
                if (c == '"') break;
                bytes.write(c);
                if (c == '\\') {
                    escaped = true;
                    int next = read();
                    if (next < 0) throw error("unterminated string");
                    bytes.write(next);
                }
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            if (!escaped) return text;
            try {
                return (String) Json.parse("\"" + text + "\"");
            } catch (JsonException e) {
                throw error("bad string escape in \"" + text + "\"");
            }
        }

        void skipString() throws IOException {
            for (int c = read(); c != '"'; c = read()) {
                if (c < 0) throw error("unterminated string");
                if (c == '\\' && read() < 0) throw error("unterminated string");
            }
        }

        /** Skips a non-string value starting with {@code c}; returns the first character after it (space skipped). */
        int skipValue(int c) throws IOException {
            int depth = 0;
            while (true) {
                if (c < 0) throw error("unexpected end of file");
                if (c == '"') skipString();
                else if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') {
                    if (depth == 0) return c;
                    depth--;
                } else if (c == ',' && depth == 0) return c;
                c = read();
                if (depth == 0 && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) c = skipSpace();
            }
        }

        DatasetFormatException error(String problem) {
            return new DatasetFormatException(file + " at byte " + position + ": " + problem
                    + " (expected one JSON object: image id -> base64 string)");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
