package org.visualchat.mmca.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCsvTest {
    private static final List<EvalRow> ROWS = List.of(
            new EvalRow("cats", "a.png b.png", "Say \"hi\", please", "line1\nline2"),
            new EvalRow("cats", "Text only?", "Text only?", ""),
            new EvalRow("x", " lead", "semi;colon", "cr\rhere"));

    @Test
    void matchesPythonCsvWriterByteForByte() {
        // Golden from CPython 3: csv.writer(io.StringIO()).writerow(...) for the header and the three rows.
        String python = "test_name,image_path,question,answer\r\ncats,a.png b.png,\"Say \"\"hi\"\", please\",\"line1\nline2\"\r\n"
                + "cats,Text only?,Text only?,\r\nx, lead,semi;colon,\"cr\rhere\"\r\n";
        assertEquals(python, EvalCsv.format(ROWS));
    }

    @Test
    void readsBackWhatItWrites(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.csv");
        EvalCsv.write(file, ROWS);
        assertEquals(ROWS, EvalCsv.read(file));
    }

    @Test
    void refusesOtherLayouts(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "name,answer\r\na,b\r\n");
        assertTrue(assertThrows(IOException.class, () -> EvalCsv.read(file)).getMessage().contains("expected the header"));
        Files.writeString(file, EvalCsv.HEADER + "\r\na,b,c\r\n");
        assertTrue(assertThrows(IOException.class, () -> EvalCsv.read(file)).getMessage().contains("record 1 has 3 fields"));
        Files.writeString(file, EvalCsv.HEADER + "\r\na,b,c,\"open\r\n");
        assertTrue(assertThrows(IOException.class, () -> EvalCsv.read(file)).getMessage().contains("unterminated"));
    }
}
