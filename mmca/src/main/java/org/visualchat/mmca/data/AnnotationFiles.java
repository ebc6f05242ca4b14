package org.visualchat.mmca.data;

import org.visualchat.tensor.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opening annotation files: existence and top-level shape are checked here, once; items are checked lazily. */
final class AnnotationFiles {
    private AnnotationFiles() {}

    static Path requireFile(Path file, String dataset, String source) throws DatasetFormatException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(dataset + ": annotation file " + file + " not found (" + source + ")");
        }
        return file;
    }

    static Path requireDirectory(Path dir, String dataset, String source) throws DatasetFormatException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetFormatException(dataset + ": image directory " + dir + " not found (" + source + ")");
        }
        return dir;
    }

    /** The JSON value of a file, or of its top-level {@code key} when key is not null. */
    static Object read(Path file, String key) throws IOException {
        Object root = Json.read(file);
        if (key == null) return root;
        if (root instanceof Map<?, ?> map && map.containsKey(key)) return map.get(key);
        throw new DatasetFormatException(file + ": expected a top-level object with key \"" + key + "\"");
    }

    static List<?> readList(Path file, String key) throws IOException {
        if (read(file, key) instanceof List<?> list) return list;
        throw new DatasetFormatException(file + (key == null ? "" : " (key \"" + key + "\")") + ": expected a JSON array");
    }

    static Map<?, ?> readObject(Path file, String key) throws IOException {
        if (read(file, key) instanceof Map<?, ?> map) return map;
        throw new DatasetFormatException(file + (key == null ? "" : " (key \"" + key + "\")") + ": expected a JSON object");
    }
}
