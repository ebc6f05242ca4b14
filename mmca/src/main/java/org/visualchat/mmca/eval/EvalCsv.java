package org.visualchat.mmca.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualchat.tensor.io.AtomicFile;

/**
 * The result CSV exactly as Python's {@code csv.writer} with its default dialect writes it (what the reference
 * uses): comma separated, CRLF line ends, a field quoted only when it holds a comma, a double quote, CR or LF
 * ({@code QUOTE_MINIMAL}), quotes inside doubled; header {@code test_name,image_path,question,answer}.
 */
public final class EvalCsv {
    public static final String HEADER = "test_name,image_path,question,answer";

    private EvalCsv() {}

    public static String format(List<EvalRow> rows) {
        StringBuilder out = new StringBuilder(HEADER).append("\r\n");
        for (EvalRow row : rows) {
            out.append(field(row.testName())).append(',').append(field(row.imagePath())).append(',')
                    .append(field(row.question())).append(',').append(field(row.answer())).append("\r\n");
        }
        return out.toString();
    }

    public static void write(Path file, List<EvalRow> rows) throws IOException {
        AtomicFile.writeString(file, format(rows));
    }

    static String field(String value) {
        if (value.isEmpty()) return value;
        boolean quote = value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n');
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }

    /** Reads a file in this layout back (quoted fields may span lines); the header must be the reference's. */
    public static List<EvalRow> read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<List<String>> records = parse(text, file);
        if (records.isEmpty() || !String.join(",", records.getFirst()).equals(HEADER)) {
            throw new IOException(file + ": expected the header " + HEADER);
        }
        List<EvalRow> rows = new ArrayList<>();
        for (int i = 1; i < records.size(); i++) {
            List<String> r = records.get(i);
            if (r.size() != 4) throw new IOException(file + ": record " + i + " has " + r.size() + " fields, expected 4");
            rows.add(new EvalRow(r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        return rows;
    }

    private static List<List<String>> parse(String text, Path file) throws IOException {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"' && field.isEmpty()) {
                int j = i + 1;
                while (true) {
                    if (j >= text.length()) throw new IOException(file + ": unterminated quoted field");
                    if (text.charAt(j) == '"') {
                        if (j + 1 < text.length() && text.charAt(j + 1) == '"') { field.append('"'); j += 2; continue; }
                        break;
                    }
                    field.append(text.charAt(j++));
                }
                i = j + 1;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
                i++;
            } else if (c == '\r' || c == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                i += (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') ? 2 : 1;
            } else {
                field.append(c);
                i++;
            }
        }
        if (!field.isEmpty() || !record.isEmpty()) { record.add(field.toString()); records.add(record); }
        return records;
    }
}
