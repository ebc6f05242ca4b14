package org.visualchat.mmca.data;

import org.visualchat.tensor.Tensor;

import java.util.List;

/**
 * A collated batch, row-major {@code [size, length]} int arrays, right-padded (pad id = EOS, label -100, code 0).
 *
 * @param size           number of samples B
 * @param length         padded sequence length L
 * @param inputIds       token ids {@code [B·L]}; image positions hold the {@code <image>} id
 * @param labels         {@code [B·L]}, -100 outside answers (and on images and padding)
 * @param codes          {@code [B·L]} attention codes: 0 pad, 1 text, 2 image
 * @param lengths        unpadded length of each row {@code [B]}
 * @param imageCounts    images per sample {@code [B]} (the original's {@code image_num})
 * @param imageStarts    {@code [N]}: for image n (in {@code images} order), the position in its row where its
 *                       {@code tokensPerImage} code-2 positions start; images are placed in order (image 1 of a
 *                       sample at its first slot)
 * @param tokensPerImage positions per image: 1 in the placeholder layout, P in the expanded layout
 * @param images         F32 {@code [N, 3, S, S]}, all images of the batch in sample order, CLIP-normalised;
 *                       null when no sample has an image
 * @param sampleIds      dataset name and index of each row
 */
public record Batch(int size, int length, int[] inputIds, int[] labels, int[] codes, int[] lengths,
                   int[] imageCounts, int[] imageStarts, int tokensPerImage, Tensor images, List<String> sampleIds) {
    public Batch {
        sampleIds = List.copyOf(sampleIds);
    }

    /** Total number of images N. */
    public int imageCount() {
        return imageStarts.length;
    }

    /** Row of image n (which sample it belongs to). */
    public int imageRow(int n) {
        int row = 0, seen = imageCounts[0];
        while (n >= seen) seen += imageCounts[++row];
        return row;
    }

    /**
     * Where each image (in {@code images} order) is spliced: {@link #imageStarts} when {@code originalReversedOrder}
     * is false; otherwise the original's pairing ({@code DeepSpeedViLModel.concat}, issue #800, reference §1.7):
     * within a sample of n images, image k (0-based) fills the slot of image n−1−k.
     */
    public int[] spliceStarts(boolean originalReversedOrder) {
        if (!originalReversedOrder) return imageStarts.clone();
        int[] starts = new int[imageStarts.length];
        for (int row = 0, first = 0; row < size; first += imageCounts[row++]) {
            for (int k = 0; k < imageCounts[row]; k++) starts[first + k] = imageStarts[first + imageCounts[row] - 1 - k];
        }
        return starts;
    }

    /** {@code inputIds} as an I32 tensor {@code [B, L]}. */
    public Tensor inputIdsTensor() {
        return Tensor.ofInts(inputIds, size, length);
    }

    /** {@code labels} as an I32 tensor {@code [B, L]}. */
    public Tensor labelsTensor() {
        return Tensor.ofInts(labels, size, length);
    }

    /** {@code codes} as an I32 tensor {@code [B, L]}. */
    public Tensor codesTensor() {
        return Tensor.ofInts(codes, size, length);
    }
}
