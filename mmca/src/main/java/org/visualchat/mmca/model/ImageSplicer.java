package org.visualchat.mmca.model;

import org.visualchat.autograd.Joins;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.autograd.Losses;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The original's {@code DeepSpeedViLModel.concat} (reference §1.7): embed every id of a row with the
 * trainable table, replace each {@code <image>} position by the P' projected vectors of one image
 * (code 2, label −100), then right-pad all rows with the pad id's embedding (code 0, label −100) to
 * the longest row, rounded up to {@code padMultiple} (8 in training, 1 in generation).
 *
 * <p>Slot order: the original walks the slots from last to first while taking images first to last,
 * so for n ≥ 2 images slot i receives image n − 1 − i (DeepSpeedExamples issue #800). That is kept
 * behind {@code reverseImageOrder}; the default pairs slot i with image i.
 *
 * <p>Differences, documented: a row without images is kept (the original drops it from the batch,
 * which cannot happen with its data since every sample has an image), and the padding vector is the
 * current pad embedding rather than one cached at first use (only padded positions see it, and those
 * are masked as keys and ignored by the loss).
 */
public final class ImageSplicer {
    private final int imageTokenId;
    private final int padId;
    private final boolean reverseImageOrder;

    public ImageSplicer(int imageTokenId, int padId, boolean reverseImageOrder) {
        this.imageTokenId = imageTokenId;
        this.padId = padId;
        this.reverseImageOrder = reverseImageOrder;
    }

    /**
     * @param ids         [B][M] token ids (rows already right-padded by the collator, pad = EOS)
     * @param codes       [B][M] 0 pad, anything else a real token (the collator's attention mask)
     * @param labels      [B][M] −100 where no loss is taken
     * @param imageCounts images per row; images are stacked in row order
     * @param images      projected images [N, P', H], or null when N = 0
     * @param table       the trainable token-embedding table [V, H]
     */
    public SplicedBatch splice(int[][] ids, int[][] codes, int[][] labels, int[] imageCounts, Variable images,
                               Variable table, int padMultiple) {
        int b = ids.length, total = Arrays.stream(imageCounts).sum();
        if (imageCounts.length != b) throw new IllegalArgumentException("image counts cover " + imageCounts.length + " rows but the batch has " + b);
        int perImage = images == null ? 0 : images.dim(1);
        if (total > 0 && (images == null || images.dim(0) != total)) {
            throw new IllegalArgumentException("rows reference " + total + " images but " + (images == null ? 0 : images.dim(0)) + " were encoded");
        }
        List<Variable> rows = new ArrayList<>(b);
        int[][] outCodes = new int[b][], outLabels = new int[b][];
        int firstImage = 0, longest = 0;
        for (int r = 0; r < b; r++) {
            int[] slots = slots(ids[r], r, imageCounts[r]);
            Variable embedded = Lookups.embedding(table, Tensor.ofInts(ids[r], ids[r].length));
            List<Variable> pieces = new ArrayList<>();
            int length = ids[r].length + slots.length * (perImage - 1);
            outCodes[r] = new int[length];
            outLabels[r] = new int[length];
            int from = 0, at = 0;
            for (int s = 0; s < slots.length; s++) {
                int image = firstImage + (reverseImageOrder ? slots.length - 1 - s : s);
                at = copyText(embedded, pieces, codes[r], labels[r], from, slots[s], outCodes[r], outLabels[r], at);
                pieces.add(Views.select(images, 0, image));
                Arrays.fill(outCodes[r], at, at + perImage, 2);
                Arrays.fill(outLabels[r], at, at + perImage, Losses.IGNORE_INDEX);
                at += perImage;
                from = slots[s] + 1;
            }
            copyText(embedded, pieces, codes[r], labels[r], from, ids[r].length, outCodes[r], outLabels[r], at);
            rows.add(pieces.size() == 1 ? pieces.get(0) : Joins.concat(0, pieces.toArray(Variable[]::new)));
            firstImage += slots.length;
            longest = Math.max(longest, length);
        }
        int padded = (longest + padMultiple - 1) / padMultiple * padMultiple;
        Variable[] out = new Variable[b];
        for (int r = 0; r < b; r++) {
            int missing = padded - outCodes[r].length;
            out[r] = missing == 0 ? rows.get(r) : Joins.concat(0, rows.get(r), padEmbedding(table, missing));
            outLabels[r] = padLabels(outLabels[r], padded);
            outCodes[r] = Arrays.copyOf(outCodes[r], padded);             // code 0 = pad
        }
        return new SplicedBatch(Joins.stack(0, out), outCodes, outLabels);
    }

    /** Positions of {@code <image>} in a row; their number must equal the row's image count. */
    private int[] slots(int[] ids, int row, int expected) {
        int[] slots = java.util.stream.IntStream.range(0, ids.length).filter(i -> ids[i] == imageTokenId).toArray();
        if (slots.length != expected) {
            throw new IllegalArgumentException("row " + row + " has " + slots.length + " <image> tokens (id " + imageTokenId + ") but " + expected + " images");
        }
        return slots;
    }

    /** Text positions [from, to) of a row: embeddings as one view, codes and labels copied; returns the new write position. */
    private static int copyText(Variable embedded, List<Variable> pieces, int[] codes, int[] labels, int from, int to,
                                int[] outCodes, int[] outLabels, int at) {
        if (to == from) return at;
        pieces.add(Views.narrow(embedded, 0, from, to - from));
        for (int i = from; i < to; i++) {
            outCodes[at + i - from] = codes[i] == 0 ? 0 : 1;
            outLabels[at + i - from] = labels[i];
        }
        return at + to - from;
    }

    private Variable padEmbedding(Variable table, int count) {
        int[] pads = new int[count];
        Arrays.fill(pads, padId);
        return Lookups.embedding(table.detach(), Tensor.ofInts(pads, count));
    }

    private static int[] padLabels(int[] labels, int length) {
        int[] out = Arrays.copyOf(labels, length);
        Arrays.fill(out, labels.length, length, Losses.IGNORE_INDEX);
        return out;
    }
}
