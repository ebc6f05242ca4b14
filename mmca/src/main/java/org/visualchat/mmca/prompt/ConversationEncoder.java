package org.visualchat.mmca.prompt;

import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;

import java.util.Arrays;
import java.util.List;

/**
 * Tokenizes conversations exactly as DS-VisualChat's {@code VQADataset.tokenize} + {@code merge_all_images} do
 * (deepspeed-visualchat.md §3.2–3.3):
 * <ol>
 *   <li>each round is rendered by {@link PromptTemplate#instruction} (system prompt on the first round only) and
 *       tokenized on its own as {@code instruction + answer} with BOS, cut to {@code maxRoundTokens} (512 in the
 *       original: {@code truncation=True, max_length=512}), then EOS is appended unless the last id already is
 *       EOS — so a cut round has 513 ids;</li>
 *   <li>the instruction alone is tokenized with the same cut; that many leading labels are -100, the rest (the
 *       answer and its EOS) keep their ids;</li>
 *   <li>{@code ### Image:} becomes {@code ### Image N:} by the sample's {@link MarkerNumbering};</li>
 *   <li>the rounds are concatenated.</li>
 * </ol>
 * The original never cuts whole samples to {@code --max_seq_len}; neither does this class (see
 * {@code SamplePreparer} for the optional length limit). Immutable and thread-safe.
 */
public final class ConversationEncoder {
    /** {@code max_length=512} of the original's per-round tokenization. */
    public static final int REFERENCE_MAX_ROUND_TOKENS = 512;

    private final LlamaTokenizer tokenizer;
    private final int maxRoundTokens;
    private final int markerId;
    private final int imageId;
    private final int[][] numberedMarkerIds;

    /**
     * @param tokenizer      a tokenizer with {@link VisualChatTokens} added
     * @param maxRoundTokens per-round cut ({@link #REFERENCE_MAX_ROUND_TOKENS} for parity)
     */
    public ConversationEncoder(LlamaTokenizer tokenizer, int maxRoundTokens) {
        if (maxRoundTokens < 2) throw new IllegalArgumentException("maxRoundTokens must be >= 2, got " + maxRoundTokens);
        this.tokenizer = tokenizer;
        this.maxRoundTokens = maxRoundTokens;
        this.markerId = tokenizer.tokenId(VisualChatTokens.IMAGE_MARKER).orElseThrow(() -> new IllegalArgumentException(
                "tokenizer lacks the added token \"" + VisualChatTokens.IMAGE_MARKER + "\"; use VisualChatTokens.addTo"));
        this.imageId = tokenizer.tokenId(VisualChatTokens.IMAGE).orElseThrow(() -> new IllegalArgumentException(
                "tokenizer lacks the added token \"" + VisualChatTokens.IMAGE + "\"; use VisualChatTokens.addTo"));
        // DST.get_image_num_map: tokenizer("### Image N:")["input_ids"][1:] (BOS removed).
        numberedMarkerIds = new int[PromptTemplate.MAX_IMAGES + 1][];
        for (int n = 1; n <= PromptTemplate.MAX_IMAGES; n++) {
            numberedMarkerIds[n] = tokenizer.encode(PromptTemplate.numberedMarker(n), false, false);
        }
    }

    /** With the original's 512-token round cut. */
    public ConversationEncoder(LlamaTokenizer tokenizer) {
        this(tokenizer, REFERENCE_MAX_ROUND_TOKENS);
    }

    public LlamaTokenizer tokenizer() { return tokenizer; }

    /** Id of the {@code <image>} placeholder token (32001 for LLaMA-2). */
    public int imageTokenId() { return imageId; }

    /** Id of the {@code ### Image:} placeholder token (32000 for LLaMA-2); never present in encoded output. */
    public int markerTokenId() { return markerId; }

    /** The ids {@code "### Image N:"} is replaced with in {@link MarkerNumbering#TOKEN_LEVEL} samples. */
    public int[] numberedMarkerIds(int imageNumber) {
        PromptTemplate.numberedMarker(imageNumber);   // range check
        return numberedMarkerIds[imageNumber].clone();
    }

    /** All rounds of a training sample, concatenated; labels cover every answer and its EOS. */
    public EncodedConversation encode(List<Turn> turns, MarkerNumbering numbering) {
        if (turns.isEmpty()) throw new IllegalArgumentException("a conversation needs at least one round");
        IntList ids = new IntList(), labels = new IntList();
        int[] roundStarts = new int[turns.size()];
        int imagesSoFar = 0;
        for (int r = 0; r < turns.size(); r++) {
            Turn turn = turns.get(r);
            roundStarts[r] = ids.size();
            encodeRound(turn, r == 0, imagesSoFar, numbering, ids, labels);
            imagesSoFar += turn.newImages();
        }
        int[] idArray = ids.toArray();
        int[] codes = new int[idArray.length];
        for (int i = 0; i < idArray.length; i++) {
            codes[i] = idArray[i] == imageId ? EncodedConversation.IMAGE : EncodedConversation.TEXT;
        }
        return new EncodedConversation(idArray, labels.toArray(), codes, roundStarts);
    }

    /**
     * The prompt of one chat round at inference ({@code chat.py}): the instruction alone with BOS, text-level
     * numbering from {@code imagesBefore + 1}, no answer, no EOS.
     */
    public int[] encodePrompt(String question, int newImages, boolean firstMessage, int imagesBefore) {
        return tokenizer.encode(instruction(new Turn(question, "", newImages), firstMessage, imagesBefore,
                MarkerNumbering.TEXT_LEVEL), true, false);
    }

    /**
     * The text each round is tokenized from ({@code instruction + answer}): numbered markers for
     * {@link MarkerNumbering#TEXT_LEVEL}, {@code ### Image:} placeholders for {@link MarkerNumbering#TOKEN_LEVEL}
     * (the original's {@code --data_debug_path} text).
     */
    public static List<String> render(List<Turn> turns, MarkerNumbering numbering) {
        List<String> texts = new java.util.ArrayList<>(turns.size());
        int imagesBefore = 0;
        for (int r = 0; r < turns.size(); r++) {
            texts.add(instruction(turns.get(r), r == 0, imagesBefore, numbering) + turns.get(r).answer());
            imagesBefore += turns.get(r).newImages();
        }
        return texts;
    }

    private static String instruction(Turn turn, boolean first, int imagesBefore, MarkerNumbering numbering) {
        String instruction = PromptTemplate.instruction(turn.question(), turn.newImages(), first);
        return numbering == MarkerNumbering.TEXT_LEVEL
                ? PromptTemplate.numberMarkers(instruction, turn.newImages(), imagesBefore) : instruction;
    }

    private void encodeRound(Turn turn, boolean first, int imagesBefore, MarkerNumbering numbering,
                             IntList ids, IntList labels) {
        String instruction = instruction(turn, first, imagesBefore, numbering);
        int[] round = cut(tokenizer.encode(instruction + turn.answer(), true, false));
        if (round[round.length - 1] != tokenizer.eosId()) {
            round = Arrays.copyOf(round, round.length + 1);
            round[round.length - 1] = tokenizer.eosId();
        }
        int masked = cut(tokenizer.encode(instruction, true, false)).length;
        int nextImage = imagesBefore + 1;
        for (int i = 0; i < round.length; i++) {
            if (numbering == MarkerNumbering.TOKEN_LEVEL && round[i] == markerId && nextImage <= imagesBefore + turn.newImages()) {
                // merge_all_images.find_index_and_replace: the placeholder becomes "### Image N:" ids, label -100.
                for (int id : numberedMarkerIds[nextImage++]) {
                    ids.add(id);
                    labels.add(EncodedConversation.IGNORE);
                }
                continue;
            }
            ids.add(round[i]);
            labels.add(i < masked ? EncodedConversation.IGNORE : round[i]);
        }
    }

    private int[] cut(int[] ids) {
        return ids.length > maxRoundTokens ? Arrays.copyOf(ids, maxRoundTokens) : ids;
    }
}
