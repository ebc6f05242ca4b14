package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Split;

/** {@link LengthBatches}: each conversation once, rows of similar length together, less padding, seeded order. */
class LengthBatchesTest {
    private static final int BATCH = 4, WINDOW = 5;
    private static DemoData DATA;

    @BeforeAll
    static void tokenizer(@TempDir Path dir) throws IOException {
        DATA = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(DemoData.dialogues(DemoConfig.reduced(), Split.TRAIN))));
    }

    private static List<List<DemoData.CaptionedRow>> batches(long seed, int count) {
        LengthBatches batches = new LengthBatches(new DialogueGenerator(3, Split.TRAIN), DATA, BATCH, WINDOW, seed);
        List<List<DemoData.CaptionedRow>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(batches.next());
        return out;
    }

    /** A row's identity: its unpadded input ids and labels (padding appends EOS and −100). */
    private static String key(DemoData.CaptionedRow row, int length) {
        return Arrays.toString(Arrays.copyOf(row.slots()[0], length)) + Arrays.toString(Arrays.copyOf(row.labels(), length));
    }

    @Test
    void everyConversationOfTheStreamIsReadOnceAndBatchesArePaddedLess() {
        int windows = 3;
        List<List<DemoData.CaptionedRow>> read = batches(1, windows * WINDOW);
        List<Dialogue> stream = new DialogueGenerator(3, Split.TRAIN).next(windows * WINDOW * BATCH);
        List<String> expected = new ArrayList<>(), got = new ArrayList<>();
        int paddedInOrder = 0, paddedBucketed = 0;
        for (int w = 0; w < windows; w++) {
            List<String> want = new ArrayList<>(), have = new ArrayList<>();
            for (int i = 0; i < WINDOW * BATCH; i++) {
                DemoData.CaptionedRow row = DATA.captioned(stream.get(w * WINDOW * BATCH + i));
                want.add(key(row, row.labels().length));
            }
            for (int i = 0; i < WINDOW; i++) {
                int maxInOrder = 0;
                for (int j = 0; j < BATCH; j++) maxInOrder = Math.max(maxInOrder, DATA.captioned(stream.get((w * WINDOW + i) * BATCH + j)).labels().length);
                paddedInOrder += maxInOrder * BATCH;
                List<DemoData.CaptionedRow> batch = read.get(w * WINDOW + i);
                assertEquals(BATCH, batch.size());
                paddedBucketed += batch.get(0).labels().length * BATCH;
                for (DemoData.CaptionedRow row : batch) {
                    int length = row.labels().length;
                    while (length > 0 && row.codes()[length - 1] == 0) length--;   // code 0: padding
                    have.add(key(row, length));
                }
            }
            // Whole windows: the same conversations, only the batching differs.
            want.sort(null);
            have.sort(null);
            expected.addAll(want);
            got.addAll(have);
        }
        assertEquals(expected, got);
        int bucketed = paddedBucketed, inOrder = paddedInOrder;
        assertTrue(bucketed < inOrder, () -> "bucketed batches hold " + bucketed + " padded positions, batches in stream order " + inOrder);
    }

    @Test
    void theBatchOrderFollowsTheSeed() {
        List<String> a = new ArrayList<>(), b = new ArrayList<>(), c = new ArrayList<>();
        for (var batch : batches(1, WINDOW)) a.add(key(batch.get(0), batch.get(0).labels().length));
        for (var batch : batches(1, WINDOW)) b.add(key(batch.get(0), batch.get(0).labels().length));
        for (var batch : batches(2, WINDOW)) c.add(key(batch.get(0), batch.get(0).labels().length));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }
}
