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
    /** Token id of each class of each bag slot, {@code [slot][class]}. */
    private final int[][] captionIds;

    public DemoData(LlamaTokenizer tokenizer) {
        this.encoder = new ConversationEncoder(tokenizer);
        this.captionIds = VisualWords.SLOTS.stream().map(words -> words.stream().mapToInt(w -> tokenizer.tokenId("\u2581" + w)
                .orElseThrow(() -> new IllegalStateException("the demo tokenizer lacks the caption word '" + w + "'"))).toArray())
                .toArray(int[][]::new);
    }

    /**
     * Token ids with each image replaced by its caption: {@code slots[k][position]}, the id of word {@code k} of the
     * bag at each position ({@link VisualWords#NONE} where absent; a text position holds its token in slot 0 only),
     * and the attention code of each position ({@link EncodedConversation#IMAGE} on captions, where the images' tokens
     * will be, {@link EncodedConversation#TEXT} elsewhere, 0 on padding).
     */
    public record Captioned(int[][] slots, int[] codes) {}

    /** A language-model pretraining row: {@link Captioned} input and the labels. */
    public record CaptionedRow(int[][] slots, int[] codes, int[] labels) {}

    public ConversationEncoder encoder() { return encoder; }

    /** The training and held-out dialogues of a config (deterministic; disjoint scenes). */
    public static List<Dialogue> dialogues(DemoConfig config, Split split) {
        int count = split == Split.TRAIN ? config.trainDialogues() : config.heldOutDialogues();
        return stream(config, split).next(count);
    }

    /**
     * The endless seeded stream whose first conversations are {@link #dialogues}: language-model pretraining
     * reads on past them, so it never sees a conversation twice, and only shows scenes of {@code split}.
     */
    public static DialogueGenerator stream(DemoConfig config, Split split) {
        return new DialogueGenerator(config.seed() + split.ordinal(), split);
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
     * Language-model pretraining row of a dialogue: the encoded dialogue with each {@code <image>} replaced by its
     * caption, one bag per encoder token; labels on the answers only (caption positions are -100: given, not predicted).
     */
    public CaptionedRow captioned(Dialogue dialogue) {
        EncodedConversation e = encode(dialogue);
        Captioned input = withCaptions(e.inputIds(), dialogue.scenes());
        int[] labels = new int[input.codes().length];
        for (int i = 0, j = 0; i < e.length(); i++) {
            if (e.inputIds()[i] == encoder.imageTokenId()) {
                Arrays.fill(labels, j, j + VisualWords.TOKENS, EncodedConversation.IGNORE);
                j += VisualWords.TOKENS;
            } else {
                labels[j++] = e.labels()[i];
            }
        }
        return new CaptionedRow(input.slots(), input.codes(), labels);
    }

    /** {@code ids} with the n-th {@code <image>} replaced by the caption of {@code scenes.get(n)}. */
    public Captioned withCaptions(int[] ids, List<Scene> scenes) {
        int slotCount = VisualWords.SLOTS.size(), images = (int) Arrays.stream(ids).filter(id -> id == encoder.imageTokenId()).count();
        int[][] slots = new int[slotCount][ids.length + images * (VisualWords.TOKENS - 1)];
        int[] codes = new int[slots[0].length];
        for (int[] slot : slots) Arrays.fill(slot, VisualWords.NONE);
        int at = 0, image = 0;
        for (int id : ids) {
            if (id != encoder.imageTokenId()) {
                codes[at] = EncodedConversation.TEXT;
                slots[0][at++] = id;
                continue;
            }
            for (int[] bag : VisualWords.classes(scenes.get(image++))) {
                for (int k = 0; k < slotCount; k++) if (bag[k] != VisualWords.NONE) slots[k][at] = captionIds[k][bag[k]];
                codes[at++] = EncodedConversation.IMAGE;
            }
        }
        return new Captioned(slots, codes);
    }

    /** Right-pads rows to the longest with EOS (slot 0), absent slots, code 0 and -100 labels. */
    public List<CaptionedRow> pad(List<CaptionedRow> rows) {
        int length = rows.stream().mapToInt(r -> r.labels().length).max().orElseThrow();
        List<CaptionedRow> out = new ArrayList<>(rows.size());
        for (CaptionedRow row : rows) {
            int from = row.labels().length;
            int[][] slots = new int[row.slots().length][];
            for (int k = 0; k < slots.length; k++) {
                slots[k] = Arrays.copyOf(row.slots()[k], length);
                Arrays.fill(slots[k], from, length, k == 0 ? encoder.tokenizer().eosId() : VisualWords.NONE);
            }
            int[] labels = Arrays.copyOf(row.labels(), length);
            Arrays.fill(labels, from, length, EncodedConversation.IGNORE);
            out.add(new CaptionedRow(slots, Arrays.copyOf(row.codes(), length), labels));
        }
        return out;
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
