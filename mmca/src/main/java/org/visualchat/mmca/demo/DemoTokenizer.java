package org.visualchat.mmca.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.tensor.io.Json;

/**
 * The demo's own tokenizer, written as a Hugging Face {@code tokenizer.json} (BPE, LLaMA's
 * {@code Prepend("▁")} + {@code Replace(" ", "▁")} normaliser) and loaded through the same
 * {@link LlamaTokenizer} the real models use, with the same added tokens ({@link VisualChatTokens}).
 *
 * <p>The synthetic world has a closed vocabulary, so every word of its corpus becomes one token: the base
 * pieces are {@code <unk> <s> </s>}, every printable ASCII character, {@code ▁} and {@code \n} (so any
 * ASCII text still encodes, letter by letter), and each word gets a chain of merges that builds it one
 * character at a time from the left ({@code ▁ r → ▁r}, {@code ▁r e → ▁re}, {@code ▁re d → ▁red}). Chains of
 * words that start with {@code ▁} are ranked before the others: only the first piece of a word can start
 * with {@code ▁}, so its chain always runs to the end and a corpus word is never split. Every word is also
 * a token without its {@code ▁}, as it stands at the start of a line: the prompt puts each question and answer
 * right after {@code \n} ({@code ### Answer:\nred}); without the bare piece the first word of every answer was
 * spelled letter by letter ({@code r e d}), so the answer's one informative token was not the caption's
 * {@code ▁red} and its loss was diluted over trivially predictable letters.
 *
 * <p>A word is a run of letters and digits, or a run of punctuation: "image 2?" is {@code ▁image ▁2 ?}, as
 * LLaMA's own tokenizer splits it. Keeping the punctuation on the word would make "2?" (a question), "2."
 * and "2:" (the {@code ### Image 2:} marker) four unrelated tokens for one number, and the language model
 * would have to learn from the answers alone that the image a question names is the one after that marker.
 */
public final class DemoTokenizer {
    /** A word of the normalised text: an optional leading ▁, then a run of letters and digits or a run of punctuation. */
    private static final Pattern WORD = Pattern.compile("\u2581?(?:[\\p{Alnum}_]+|[^\\p{Alnum}_\u2581\n]+)");

    private DemoTokenizer() {}

    /** Writes {@code dir/tokenizer.json} for {@code corpus} and loads it with the VisualChat tokens added. */
    public static LlamaTokenizer build(Path dir, Collection<String> corpus) throws IOException {
        AtomicFile.writeString(dir.resolve("tokenizer.json"), json(corpus));
        return load(dir);
    }

    /** Loads a tokenizer written by {@link #build}. */
    public static LlamaTokenizer load(Path dir) throws IOException {
        return VisualChatTokens.addTo(LlamaTokenizer.load(dir.resolve("tokenizer.json")));
    }

    static String json(Collection<String> corpus) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : List.of("<unk>", "<s>", "</s>", "\u2581", "\n")) vocab.put(special, vocab.size());
        for (char c = 32; c < 127; c++) if (c != ' ') vocab.putIfAbsent(String.valueOf(c), vocab.size());
        Set<String> words = new LinkedHashSet<>();
        for (String text : corpus) {
            Matcher m = WORD.matcher("\u2581" + text.replace(' ', '\u2581'));
            while (m.find()) {
                words.add(m.group());
                // The same word at the start of a line has no ▁: the prompt puts every question and answer
                // right after "\n" ("### Answer:\nred"), where LLaMA's vocabulary has the bare piece "red".
                words.add(m.group().startsWith("\u2581") && m.group().length() > 1 ? m.group().substring(1) : m.group());
            }
        }
        List<List<String>> spaced = new ArrayList<>(), bare = new ArrayList<>();
        Set<String> seenMerges = new LinkedHashSet<>();
        for (String word : words) {
            for (int end = 2; end <= word.length(); end++) {
                String left = word.substring(0, end - 1), right = word.substring(end - 1, end);
                if (!vocab.containsKey(right)) vocab.put(right, vocab.size());   // a non-ASCII character
                if (!seenMerges.add(left + " " + right)) continue;
                vocab.putIfAbsent(left + right, vocab.size());
                (word.startsWith("\u2581") ? spaced : bare).add(List.of(left, right));
            }
        }
        List<List<String>> merges = new ArrayList<>(spaced);
        merges.addAll(bare);
        for (String word : words) if (!word.startsWith("\u2581")) joinWhole(word, merges, vocab);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("unk_token", "<unk>");
        model.put("fuse_unk", true);
        model.put("byte_fallback", false);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("added_tokens", List.of(added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")));
        root.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", "\u2581"),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "\u2581"))));
        root.put("model", model);
        return Json.writePretty(root);
    }

    /**
     * Bare chains can cut into each other ("e d" of a bare "edge" firing before "r e" of "red" leaves
     * {@code r ed}, which no merge joins), so each bare word is run through BPE as the tokenizer will (lowest rank
     * first) and whatever pieces remain are joined by merges appended last. Appended merges cannot change a
     * word already whole, and never outrank a ▁-chain, so ▁-words stay whole too.
     */
    private static void joinWhole(String word, List<List<String>> merges, Map<String, Integer> vocab) {
        Map<String, Integer> rank = new java.util.HashMap<>();
        for (int i = 0; i < merges.size(); i++) rank.putIfAbsent(merges.get(i).get(0) + " " + merges.get(i).get(1), i);
        List<String> pieces = new ArrayList<>(word.codePoints().mapToObj(Character::toString).toList());
        while (true) {
            int best = -1;
            for (int i = 0; i + 1 < pieces.size(); i++) {
                Integer r = rank.get(pieces.get(i) + " " + pieces.get(i + 1));
                if (r != null && (best < 0 || r < rank.get(pieces.get(best) + " " + pieces.get(best + 1)))) best = i;
            }
            if (best < 0) break;
            pieces.set(best, pieces.get(best) + pieces.remove(best + 1));
        }
        for (int i = 1; i < pieces.size(); i++) {
            merges.add(List.of(pieces.get(0), pieces.get(i)));
            pieces.set(0, pieces.get(0) + pieces.get(i));
            vocab.putIfAbsent(pieces.get(0), vocab.size());
        }
    }

    private static Map<String, Object> added(int id, String content) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", id);
        t.put("content", content);
        t.put("special", true);
        return t;
    }
}
