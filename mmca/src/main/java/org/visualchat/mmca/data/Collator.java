package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.RgbImage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pads samples into a {@link Batch} and stacks their images, in one of two layouts:
 * <ul>
 *   <li>{@link #placeholders}: what the original's {@code DataCollatorPadToMaxLen} hands the model — one
 *       {@code <image>} position per image, rows right-padded to the longest sample (pad id = EOS, label -100,
 *       code 0), optionally rounded up to a multiple; no truncation;</li>
 *   <li>{@link #expanded}: what the original's {@code DeepSpeedViLModel.concat} builds from that — every
 *       placeholder widened to P positions (code 2, label -100), then rows right-padded to a multiple of 8. The
 *       length is the original's exactly: {@code roundUp8(max_i(M + n_i·(P−1)))} with M the longest placeholder
 *       row, because concat splices into rows the collator already padded to M.</li>
 * </ul>
 * Images go in order: the n-th image of a sample fills its n-th slot ({@link Batch#imageStarts}). The original
 * pairs them in reverse for n ≥ 2 (issue #800, reference §1.7); a parity mode belongs to the splicing code.
 */
public final class Collator {
    private final ClipPreprocessor preprocessor;
    private final int padId;
    private final int tokensPerImage;
    private final int padMultiple;

    private Collator(ClipPreprocessor preprocessor, int padId, int tokensPerImage, int padMultiple) {
        if (tokensPerImage < 1) throw new IllegalArgumentException("tokensPerImage must be >= 1, got " + tokensPerImage);
        if (padMultiple < 1) throw new IllegalArgumentException("padMultiple must be >= 1, got " + padMultiple);
        this.preprocessor = preprocessor;
        this.padId = padId;
        this.tokensPerImage = tokensPerImage;
        this.padMultiple = padMultiple;
    }

    /**
     * The original collator's layout.
     *
     * @param padId       EOS (2 for LLaMA-2): the original sets {@code pad_token = eos_token}
     * @param padMultiple 1 for the original (pad to the longest row), e.g. 8 to round up
     */
    public static Collator placeholders(ClipPreprocessor preprocessor, int padId, int padMultiple) {
        return new Collator(preprocessor, padId, 1, padMultiple);
    }

    /** The original's post-splice training layout, images widened to {@code tokensPerImage} positions, rows padded to ×8. */
    public static Collator expanded(ClipPreprocessor preprocessor, int padId, int tokensPerImage) {
        return expanded(preprocessor, padId, tokensPerImage, 8);
    }

    /** The same with another row multiple; 1 is the original's generation layout (no rounding). */
    public static Collator expanded(ClipPreprocessor preprocessor, int padId, int tokensPerImage, int padMultiple) {
        return new Collator(preprocessor, padId, tokensPerImage, padMultiple);
    }

    public int tokensPerImage() { return tokensPerImage; }

    public Batch collate(List<Sample> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException("cannot collate an empty batch");
        int b = samples.size();
        int longest = 0, longestExpanded = 0;
        for (Sample s : samples) longest = Math.max(longest, s.tokens().length());
        int[] lengths = new int[b], imageCounts = new int[b];
        for (int i = 0; i < b; i++) {
            Sample s = samples.get(i);
            imageCounts[i] = s.images().size();
            lengths[i] = s.tokens().length() + imageCounts[i] * (tokensPerImage - 1);
            // concat splices into rows already padded to `longest`, so that padding counts towards the length.
            longestExpanded = Math.max(longestExpanded, longest + imageCounts[i] * (tokensPerImage - 1));
        }
        int length = roundUp(longestExpanded, padMultiple);
        int[] ids = new int[b * length], labels = new int[b * length], codes = new int[b * length];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, EncodedConversation.IGNORE);
        int[] imageStarts = new int[Arrays.stream(imageCounts).sum()];
        List<RgbImage> images = new ArrayList<>(imageStarts.length);
        List<String> sampleIds = new ArrayList<>(b);
        int image = 0;
        for (int i = 0; i < b; i++) {
            Sample s = samples.get(i);
            EncodedConversation t = s.tokens();
            int row = i * length, at = 0;
            for (int j = 0; j < t.length(); j++) {
                boolean isImage = t.codes()[j] == EncodedConversation.IMAGE;
                if (isImage) imageStarts[image++] = at;
                for (int k = 0; k < (isImage ? tokensPerImage : 1); k++, at++) {
                    ids[row + at] = t.inputIds()[j];
                    labels[row + at] = isImage ? EncodedConversation.IGNORE : t.labels()[j];
                    codes[row + at] = t.codes()[j];
                }
            }
            images.addAll(s.images());
            sampleIds.add(s.id());
        }
        return new Batch(b, length, ids, labels, codes, lengths, imageCounts, imageStarts, tokensPerImage,
                images.isEmpty() ? null : preprocessor.preprocessBatch(images), sampleIds);
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
