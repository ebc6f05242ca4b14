package org.visualchat.mmca.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.tensor.io.FileErrors;
import org.visualchat.vision.image.ImageDecoder;
import org.visualchat.vision.image.RgbImage;

/**
 * The interactive chat loop behind {@code visualchat chat}. A line starting with {@code /} is a command,
 * anything else is the next question; the answer is printed token by token as it is generated.
 *
 * <pre>
 * /image PATH [PATH ...]   attach images to the next question (any round, several at once)
 * /images                  list the images of this conversation with their numbers
 * /reset                   start a new conversation (image numbering restarts at 1)
 * /save FILE               write the transcript (FILE.json: eval format, else text)
 * /set [NAME VALUE]        show or change max_new_tokens, temperature, top_k, top_p, seed, repetition_penalty
 * /help, /quit
 * </pre>
 * A path with spaces is written in double quotes ({@code /image "my pics/cat 1.png"}) or with its spaces
 * escaped ({@code my\ pics/cat\ 1.png}), as in a shell.
 *
 * Differences from the reference {@code chat/chat.py}: images and text are not two alternating prompts
 * (attach any time, or not at all in a round), {@code clear} is {@code /reset}, and several images in one
 * round are each numbered (the reference's token-level path numbered only the first).
 */
public final class ChatRepl {
    /** Decodes an image file; {@link ImageDecoder#decode(Path)} in the application, a stub in tests. */
    @FunctionalInterface
    public interface ImageLoader {
        RgbImage load(Path file) throws IOException;
    }

    private final ChatSession session;
    private final ImageLoader loader;
    private final PrintStream out;
    private GenerationOptions options;

    public ChatRepl(ChatSession session, ImageLoader loader, GenerationOptions options, PrintStream out) {
        this.session = session;
        this.loader = loader;
        this.options = options;
        this.out = out;
    }

    /** Reads lines until {@code /quit} or end of input. */
    public void run(BufferedReader in) throws IOException {
        out.println("Attach images with /image PATH, then ask about them. /help lists the commands.");
        while (true) {
            out.print("> ");
            out.flush();
            String line = in.readLine();
            if (line == null) break;
            line = line.strip();
            if (line.isEmpty()) continue;
            try {
                if (line.startsWith("/")) {
                    if (!command(line)) break;
                } else {
                    out.print("assistant: ");
                    session.ask(line, options, piece -> { out.print(piece); out.flush(); });
                    out.println();
                }
            } catch (IllegalArgumentException | IllegalStateException | IOException e) {
                out.println("error: " + FileErrors.message(e));
            }
        }
        out.println();
    }

    /** Runs one command; false means quit. */
    private boolean command(String line) throws IOException {
        String[] words = words(line);
        switch (words[0]) {
            case "/quit", "/exit" -> { return false; }
            case "/help" -> out.println("/image PATH [PATH ...] | /images | /reset | /save FILE | /set [NAME VALUE] | /quit"
                    + " (quote a path with spaces, \"a b.png\", or escape them, a\\ b.png)");
            case "/image", "/img" -> attach(words);
            case "/images" -> {
                List<String> labels = session.imageLabels();
                if (labels.isEmpty()) out.println("no images");
                for (int i = 0; i < labels.size(); i++) out.println("image " + (i + 1) + ": " + labels.get(i));
            }
            case "/reset" -> {
                session.reset();
                out.println("new conversation");
            }
            case "/save" -> save(words);
            case "/set" -> {
                if (words.length == 3) options = options.with(words[1], words[2]);
                else if (words.length != 1) throw new IllegalArgumentException("usage: /set NAME VALUE");
                out.println(options);
            }
            default -> throw new IllegalArgumentException("unknown command " + words[0] + " (/help)");
        }
        return true;
    }

    /**
     * A command line's words, split at whitespace as a shell does: double quotes keep a word's spaces (a
     * backslash inside escapes {@code "} and {@code \}), and outside quotes a backslash escapes any character.
     */
    static String[] words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false, quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && (!quoted || line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (c == '"') {
                quoted = !quoted;
                inWord = true;                  // "" is an empty word
            } else if (Character.isWhitespace(c) && !quoted) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quoted) throw new IllegalArgumentException("unclosed \" in: " + line);
        if (inWord) words.add(word.toString());
        return words.toArray(String[]::new);
    }

    private void attach(String[] words) throws IOException {
        if (words.length < 2) throw new IllegalArgumentException("usage: /image PATH [PATH ...]");
        if (session.imageLabels().size() + words.length - 1 > session.maxImages()) {
            throw new IllegalStateException("too many images: a conversation holds at most " + session.maxImages() + " (use /reset)");
        }
        // Decode all first, so a bad path attaches nothing and the numbering stays as the user expects.
        List<RgbImage> decoded = new ArrayList<>();
        for (int i = 1; i < words.length; i++) decoded.add(loader.load(Path.of(words[i])));
        for (int i = 0; i < decoded.size(); i++) {
            out.println("image " + session.attach(decoded.get(i), words[i + 1]) + ": " + words[i + 1]);
        }
    }

    private void save(String[] words) throws IOException {
        if (words.length != 2) throw new IllegalArgumentException("usage: /save FILE");
        Path file = Path.of(words[1]);
        String text = file.toString().endsWith(".json")
                ? Transcript.evalJson("chat", session.history(), session.imageLabels())
                : Transcript.text(session.history(), session.imageLabels());
        AtomicFile.writeString(file, text);
        out.println("saved " + session.history().size() + " rounds to " + file);
    }
}
