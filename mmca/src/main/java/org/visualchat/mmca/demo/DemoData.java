package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.SceneRenderer;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.PromptTemplate;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.RgbImage;

/**
 * Turns synthetic dialogues into what the three training stages consume, always through the reference
 * prompt format ({@link ConversationEncoder}, text-level {@code ### Image N:} numbering, loss on answers):
 * token batches for language-model pretraining (each {@code <image>} replaced by the image's caption
 * words, {@link VisualWords}) and {@link ModelInput} batches with pixels for MMCA training.
 */
public final class DemoData {
    /** 32 px, CLIP mean/std: the demo encoder's input. */
    public static final ClipPreprocessor PREPROCESSOR = new ClipPreprocessor(DemoConfig.IMAGE_SIZE, DemoConfig.IMAGE_SIZE,
            ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
    public static final SceneRenderer RENDERER = new SceneRenderer(DemoConfig.IMAGE_SIZE);

    private final ConversationEncoder encoder;
    private final int[] captionIds;

    public DemoData(LlamaTokenizer tokenizer) {
        this.encoder = new ConversationEncoder(tokenizer);
        this.captionIds = VisualWords.WORDS.stream().mapToInt(w -> tokenizer.tokenId("\u2581" + w)
                .orElseThrow(() -> new IllegalStateException("the demo tokenizer lacks the caption word '" + w + "'"))).toArray();
    }

    public ConversationEncoder encoder() { return encoder; }

    /** The training and held-out dialogues of a config (deterministic; disjoint scenes). */
    public static List<Dialogue> dialogues(DemoConfig config, Split split) {
        int count = split == Split.TRAIN ? config.trainDialogues() : config.heldOutDialogues();
        return new DialogueGenerator(config.seed() + split.ordinal(), split).next(count);
    }

    /** Every text the tokenizer must know as whole words: the prompt template, the dialogues, the captions. */
    public static List<String> corpus(List<Dialogue> dialogues) {
        List<String> texts = new ArrayList<>();
        texts.add(PromptTemplate.SYSTEM_PROMPT);
        texts.add(PromptTemplate.QUESTION + "\n" + PromptTemplate.ANSWER);
        for (int n = 1; n <= PromptTemplate.MAX_IMAGES; n++) texts.add(PromptTemplate.numberedMarker(n));
        texts.add(String.join(" ", VisualWords.WORDS));
        for (Dialogue d : dialogues) {
            for (Round r : d.rounds()) {
                texts.add(r.question());
                texts.add(r.answer());
            }
        }
        return texts;
    }

    public static List<Turn> turns(Dialogue dialogue) {
        return dialogue.rounds().stream().map(r -> new Turn(r.question(), r.answer(), r.attached().size())).toList();
    }

    public EncodedConversation encode(Dialogue dialogue) {
        return encoder.encode(turns(dialogue), MarkerNumbering.TEXT_LEVEL);
    }

    /**
     * Language-model pretraining rows: the encoded dialogue with each {@code <image>} replaced by the ids of its
     * caption; labels on the answers only (the caption words are -100: they are given, not predicted).
     */
    public int[][] captioned(Dialogue dialogue) {
        EncodedConversation e = encode(dialogue);
        int[] ids = withCaptions(e.inputIds(), dialogue.scenes());
        int[] labels = new int[ids.length];
        for (int i = 0, j = 0; i < e.length(); i++) {
            if (e.inputIds()[i] == encoder.imageTokenId()) {
                java.util.Arrays.fill(labels, j, j + VisualWords.TOKENS, EncodedConversation.IGNORE);
                j += VisualWords.TOKENS;
            } else {
                labels[j++] = e.labels()[i];
            }
        }
        return new int[][] {ids, labels};
    }

    /** {@code ids} with the n-th {@code <image>} replaced by the caption of {@code scenes.get(n)}. */
    public int[] withCaptions(int[] ids, List<Scene> scenes) {
        List<Integer> out = new ArrayList<>();
        int images = 0;
        for (int id : ids) {
            if (id != encoder.imageTokenId()) {
                out.add(id);
                continue;
            }
            for (int word : VisualWords.classes(scenes.get(images++))) out.add(captionIds[word]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Right-pads rows of [ids, labels] pairs with EOS / -100 into [ids[B][L], labels[B][L]]. */
    public int[][][] pad(List<int[][]> rows) {
        int length = rows.stream().mapToInt(r -> r[0].length).max().orElseThrow();
        int[][] ids = new int[rows.size()][], labels = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            ids[b] = Arrays.copyOf(rows.get(b)[0], length);
            labels[b] = Arrays.copyOf(rows.get(b)[1], length);
            Arrays.fill(ids[b], rows.get(b)[0].length, length, encoder.tokenizer().eosId());
            Arrays.fill(labels[b], rows.get(b)[1].length, length, EncodedConversation.IGNORE);
        }
        return new int[][][] {ids, labels};
    }

    /** An MMCA training batch: one {@code <image>} id per image, pixels of every image in order. */
    public ModelInput modelInput(List<Dialogue> batch) {
        List<EncodedConversation> encoded = batch.stream().map(this::encode).toList();
        int length = encoded.stream().mapToInt(EncodedConversation::length).max().orElseThrow();
        int[][] ids = new int[batch.size()][length], codes = new int[batch.size()][length], labels = new int[batch.size()][length];
        int[] imageCounts = new int[batch.size()];
        List<RgbImage> images = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            EncodedConversation e = encoded.get(b);
            Arrays.fill(ids[b], encoder.tokenizer().eosId());
            Arrays.fill(labels[b], EncodedConversation.IGNORE);
            System.arraycopy(e.inputIds(), 0, ids[b], 0, e.length());
            System.arraycopy(e.codes(), 0, codes[b], 0, e.length());
            System.arraycopy(e.labels(), 0, labels[b], 0, e.length());
            imageCounts[b] = batch.get(b).scenes().size();
            images.addAll(batch.get(b).images(RENDERER));
        }
        return new ModelInput(ids, codes, labels, imageCounts, pixels(images));
    }

    public static Tensor pixels(List<RgbImage> images) {
        return PREPROCESSOR.preprocessBatch(images);
    }
}
