package org.visualchat.mmca.chat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.io.Json;

class ChatReplTest {
    /** Images are files named by their red value: "7.png" decodes to an image whose pixel is 7. */
    private static final ChatRepl.ImageLoader LOADER = file -> {
        String name = file.getFileName().toString();
        if (!name.matches("\\d+\\.png")) throw new NoSuchFileException(file.toString());
        return ScriptedModel.image(Integer.parseInt(name.replace(".png", "")));
    };

    private final ScriptedModel model = new ScriptedModel();

    private String run(String input) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new ChatRepl(new ChatSession(model), LOADER, GenerationOptions.GREEDY, out).run(new BufferedReader(new StringReader(input)));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void imagesAreNumberedAcrossRoundsAndSeveralPerRound() throws IOException {
        String out = run("""
                /image 10.png
                Describe image 1.
                /image 20.png 30.png
                Compare them.
                Text only now.
                /images
                /quit
                """);
        assertTrue(out.contains("image 1: 10.png"), out);
        assertTrue(out.contains("image 2: 20.png\nimage 3: 30.png"), out);
        assertEquals(List.of(
                "Describe image 1. | saw 10 new 1 after 0 | max 256",
                "Compare them. | saw 10,20,30 new 2 after 1 | max 256",
                "Text only now. | saw 10,20,30 new 0 after 2 | max 256"), model.calls);
        assertTrue(out.contains("assistant: saw 10,20,30 new 2 after 1\n"), "the streamed pieces form the answer: " + out);
    }

    @Test
    void resetRestartsNumberingAndHistory() throws IOException {
        String out = run("/image 1.png\nfirst\n/reset\n/image 2.png\nsecond\n/images\n");
        assertEquals("second | saw 2 new 1 after 0 | max 256", model.calls.get(1));
        assertTrue(out.endsWith("image 1: 2.png\n> \n"), out);
    }

    @Test
    void errorsAreOneLineAndLeaveTheSessionUsable() throws IOException {
        String out = run("""
                A question before any image.
                /image 5.png missing.jpg
                /images
                /set temperature -1
                /set max_new_tokens 12
                /frobnicate
                /image 5.png
                ok?
                """);
        assertTrue(out.contains("error: attach an image before the first question"), out);
        assertTrue(out.contains("error: missing.jpg: no such file or directory"), out);
        assertTrue(out.contains("no images"), "a bad path attaches nothing: " + out);
        assertTrue(out.contains("error: temperature must be >= 0, got -1.0"), out);
        assertTrue(out.contains("max_new_tokens=12 temperature=0.0"), out);
        assertTrue(out.contains("error: unknown command /frobnicate"), out);
        assertEquals(List.of("ok? | saw 5 new 1 after 0 | max 12"), model.calls);
    }

    @Test
    void moreThanEightImagesAreRefused() throws IOException {
        String out = run("/image 1.png 2.png 3.png 4.png 5.png\n/image 6.png 7.png 8.png 9.png\n/images\n");
        assertTrue(out.contains("error: too many images: a conversation holds at most 8"), out);
        assertTrue(out.contains("image 5: 5.png\n> "), out);
        assertFalse(out.contains("image 6"), out);
    }

    @Test
    void saveWritesTextAndReplayableEvalJson(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("t.txt"), json = dir.resolve("t.json");
        run("/image 1.png 2.png\nWhich?\nAnd then?\n/save " + text + "\n/save " + json + "\n");
        assertEquals("""
                ### Image 1: 1.png
                ### Image 2: 2.png
                ### Question:
                Which?

                ### Answer:
                saw 1,2 new 2 after 0

                ### Question:
                And then?

                ### Answer:
                saw 1,2 new 0 after 1

                """, Files.readString(text));
        assertEquals(Map.of("chat", List.of(List.of("Which?", "1.png 2.png"), List.of("And then?"))), Json.read(json));
        String out = run("/save " + dir + "\n");
        assertTrue(out.contains("error: " + dir + ": is a directory"), out);
    }

    /** Paths with spaces (and any Unicode) are quoted or backslash-escaped, as in a shell, for /image and /save. */
    @Test
    void quotedAndEscapedPathsKeepTheirSpaces(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("sp ace/ünï 图"));
        String out = run("/image \"" + folder.resolve("7.png") + "\" sp\\ ace/8.png\nWhich?\n/save \"" + folder.resolve("chat 1.txt") + "\"\n/image \"9.png\n");
        assertTrue(out.contains("image 1: " + folder.resolve("7.png") + "\nimage 2: sp ace/8.png\n"), out);
        assertTrue(Files.readString(folder.resolve("chat 1.txt")).contains("Which?"), out);
        assertTrue(out.contains("error: unclosed \" in: /image \"9.png"), out);
        assertArrayEquals(new String[] {"/set", "", "a\"b", "c\\d"}, ChatRepl.words(" /set \"\" \"a\\\"b\" c\\\\d "));
    }
}
