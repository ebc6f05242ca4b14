package org.visualchat.mmca.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalSetReaderTest {
    @TempDir Path dir;

    private List<EvalCase> read(String json) throws IOException {
        Path file = dir.resolve("set.json");
        Files.writeString(file, json);
        return EvalSetReader.read(file);
    }

    private String error(String json) {
        return assertThrows(IOException.class, () -> read(json)).getMessage();
    }

    @Test
    void readsCasesInFileOrderWithSpaceSeparatedPaths() throws IOException {
        // Shaped like eval_comprehensive.json's zootopia_adventures2: three images in one round.
        List<EvalCase> cases = read("""
                {"zootopia_adventures2": [["Tell a story.", "./a.png ./b.png  ./c.png"], ["Who is in the second image?"]],
                 "cat": [["please describe the image", "cat.jpg"]]}""");
        assertEquals(List.of("zootopia_adventures2", "cat"), cases.stream().map(EvalCase::name).toList());
        EvalRound first = cases.getFirst().rounds().getFirst();
        assertEquals(List.of("./a.png", "./b.png", "./c.png"), first.imagePaths());
        assertEquals("./a.png ./b.png  ./c.png", first.imageField());
        assertEquals(new EvalRound("Who is in the second image?", List.of(), null), cases.getFirst().rounds().get(1));
    }

    @Test
    void malformedEntriesAreNamed() {
        assertTrue(error("[1]").contains("expected an object"));
        assertTrue(error("{}").contains("no cases"));
        assertTrue(error("{\"a\": []}").contains("case 'a': expected a non-empty list of rounds"));
        assertTrue(error("{\"a\": [[\"q\", \"x.png\"], [\"q\", 3]]}").contains("case 'a' round 2: the image paths must be one string"));
        assertTrue(error("{\"a\": [[\"q\", \"x.png\", \"extra\"]]}").contains("case 'a' round 1: expected [question]"));
        assertTrue(error("{\"a\": [[\"\", \"x.png\"]]}").contains("round 1: the question must be a non-empty string"));
        assertTrue(error("{\"a\": [[\"q\"]]}").contains("round 1: the first round must attach at least one image"));
        assertTrue(error("{\"a\": [[\"q\", \"  \"]]}").contains("empty image path list"));
        assertTrue(error("{\"a\": ").contains("set.json"));
        assertEquals(dir.resolve("none.json") + ": no such eval file",
                assertThrows(IOException.class, () -> EvalSetReader.read(dir.resolve("none.json"))).getMessage());
        assertEquals(dir + ": is a directory, not an eval file", assertThrows(IOException.class, () -> EvalSetReader.read(dir)).getMessage());
    }
}
