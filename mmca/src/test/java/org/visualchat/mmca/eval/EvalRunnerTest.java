package org.visualchat.mmca.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.chat.ScriptedModel;

class EvalRunnerTest {
    @TempDir Path dir;

    /** Image files hold their red value as text; the loader turns them into 1×1 images (anything else fails as ImageDecoder does). */
    private final ChatRepl.ImageLoader loader = file -> {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString());
        String red = Files.readString(file).strip();
        if (!red.matches("\\d+")) throw new IOException(file + ": not a recognised image format");
        return ScriptedModel.image(Integer.parseInt(red));
    };

    private Path image(String name, int red) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, Integer.toString(red));
        return p;
    }

    @Test
    void roundsKeepHistoryAndNumberEveryImageOfAMultiImageRound() throws IOException {
        image("img/a.png", 1);
        image("img/b.png", 2);
        image("img/c.png", 3);
        Path json = dir.resolve("set.json");
        Files.writeString(json, """
                {"zoo": [["Describe image 1.", "img/a.png"], ["What about these?", "img/b.png img/c.png"], ["Recall image 2."]],
                 "solo": [["Describe.", "img/c.png"]]}
                """);
        ScriptedModel model = new ScriptedModel();
        List<String> progress = new ArrayList<>();
        List<EvalRow> rows = new EvalRunner(model, loader, GenerationOptions.GREEDY).run(EvalSet.read(json, loader), progress::add);
        assertEquals(List.of(
                new EvalRow("zoo", "img/a.png", "Describe image 1.", "saw 1 new 1 after 0"),
                new EvalRow("zoo", "img/b.png img/c.png", "What about these?", "saw 1,2,3 new 2 after 1"),
                // A text-only round repeats the question in image_path, like the reference's q_i_pair[-1].
                new EvalRow("zoo", "Recall image 2.", "Recall image 2.", "saw 1,2,3 new 0 after 2"),
                new EvalRow("solo", "img/c.png", "Describe.", "saw 3 new 1 after 0")), rows);
        assertEquals(4, progress.size());
    }

    /**
     * Every image is checked when the set is read, before any model work: missing, not a file, or not
     * decodable, each named with its case and round, even when earlier cases are fine.
     */
    @Test
    void badImagesNameCaseRoundAndPathBeforeAnyRound() throws IOException {
        image("ok.png", 1);
        Files.writeString(dir.resolve("garbage.png"), "not a number");
        Files.createDirectories(dir.resolve("folder.png"));
        Path json = dir.resolve("set.json");
        for (String[] bad : new String[][] {
                {"nowhere.png", "case 'b' round 2: image not found: nowhere.png (looked in the working directory and in " + dir + ")"},
                {"garbage.png", "case 'b' round 2: " + dir.resolve("garbage.png") + ": not a recognised image format"},
                {"folder.png", "case 'b' round 2: image " + dir.resolve("folder.png") + " is not a file"}}) {
            Files.writeString(json, "{\"a\": [[\"Q?\", \"ok.png\"]], \"b\": [[\"Q?\", \"ok.png\"], [\"R?\", \"ok.png " + bad[0] + "\"]]}");
            IOException e = assertThrows(IOException.class, () -> EvalSet.read(json, loader));
            assertTrue(e.getMessage().startsWith(bad[1]), e.getMessage());
        }
    }
}
