package org.visualchat.mmca.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.vision.image.RgbImage;

/**
 * An eval file's cases ({@link EvalSetReader}) with every image they attach checked: found, a regular file,
 * decodable. {@link #read} runs before any model is loaded, so a bad image fails the run at once, naming its
 * case and round, instead of after the rounds before it have been answered. Relative image paths are looked
 * up from the working directory (as the reference does) and then from the eval file's folder.
 */
public final class EvalSet {
    private final List<EvalCase> cases;
    private final Path base;

    private EvalSet(List<EvalCase> cases, Path base) {
        this.cases = cases;
        this.base = base;
    }

    /** Reads {@code file} and decodes each distinct image once (then drops it: holding them all could take gigabytes). */
    public static EvalSet read(Path file, ChatRepl.ImageLoader loader) throws IOException {
        EvalSet set = new EvalSet(EvalSetReader.read(file), file.toAbsolutePath().getParent());
        Set<Path> checked = new HashSet<>();
        for (EvalCase c : set.cases) {
            for (int r = 0; r < c.rounds().size(); r++) {
                for (String p : c.rounds().get(r).imagePaths()) {
                    Path image = set.resolve(p, c.name(), r);
                    if (checked.add(image)) decode(loader, image, c.name(), r);
                }
            }
        }
        return set;
    }

    public List<EvalCase> cases() {
        return cases;
    }

    /** The decoded image a round's path names; errors name the case and round (counted from 0 here, 1 in messages). */
    RgbImage image(ChatRepl.ImageLoader loader, String path, String caseName, int round) throws IOException {
        return decode(loader, resolve(path, caseName, round), caseName, round);
    }

    private Path resolve(String path, String caseName, int round) throws IOException {
        Path p = Path.of(path);
        Path found = Files.exists(p) ? p : !p.isAbsolute() && Files.exists(base.resolve(p)) ? base.resolve(p) : null;
        if (found == null) {
            throw new IOException(where(caseName, round) + "image not found: " + path
                    + (p.isAbsolute() ? "" : " (looked in the working directory and in " + base + ")"));
        }
        if (!Files.isRegularFile(found)) throw new IOException(where(caseName, round) + "image " + found + " is not a file");
        return found;
    }

    private static RgbImage decode(ChatRepl.ImageLoader loader, Path image, String caseName, int round) throws IOException {
        try {
            return loader.load(image);
        } catch (IOException e) {
            throw new IOException(where(caseName, round) + e.getMessage(), e);
        }
    }

    private static String where(String caseName, int round) {
        return "case '" + caseName + "' round " + (round + 1) + ": ";
    }
}
