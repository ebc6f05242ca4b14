package org.visualchat.mmca.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;

/**
 * Language-model pretraining batches of conversations of similar length, read from the endless stream: the next
 * {@code batch × window} conversations are sorted by length, cut into {@code window} batches, and those are
 * served in a seeded random order (length bucketing, as fairseq and tensor2tensor batch their data). Every
 * conversation is still read exactly once, in the stream's order window by window.
 *
 * <p>Why: a batch is padded to its longest row, and conversations run from about 90 to 300 tokens (one image
 * and two rounds to three images and five), so a batch of 8 drawn in order is padded by about a third on
 * average — compute spent on padding, quadratically in the attention kernel, which dominates a step of the
 * demo's narrow LLaMA (mmca/docs/demo.md, Results).
 */
final class LengthBatches {
    private final DialogueGenerator stream;
    private final DemoData data;
    private final int batch;
    private final int window;
    private final Random order;
    private final Deque<List<DemoData.CaptionedRow>> ready = new ArrayDeque<>();

    LengthBatches(DialogueGenerator stream, DemoData data, int batch, int window, long seed) {
        if (batch < 1 || window < 1) throw new IllegalArgumentException("batch and window must be positive, got " + batch + " and " + window);
        this.stream = stream;
        this.data = data;
        this.batch = batch;
        this.window = window;
        this.order = new Random(seed);
    }

    /** The next batch, padded ({@link DemoData#pad}). */
    List<DemoData.CaptionedRow> next() {
        if (ready.isEmpty()) refill();
        return data.pad(ready.poll());
    }

    private void refill() {
        List<DemoData.CaptionedRow> rows = new ArrayList<>(batch * window);
        for (Dialogue d : stream.next(batch * window)) rows.add(data.captioned(d));
        rows.sort(Comparator.comparingInt(r -> r.labels().length));
        List<List<DemoData.CaptionedRow>> batches = new ArrayList<>(window);
        for (int i = 0; i < window; i++) batches.add(rows.subList(i * batch, (i + 1) * batch));
        Collections.shuffle(batches, order);
        ready.addAll(batches);
    }
}
