package org.visualchat.mmca.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Which cached rows stay valid when a conversation goes on (codes: 1 text, 2 image). */
class ReusablePrefixTest {
    private static int[] ends(int length, int end) {
        int[] e = new int[length];
        Arrays.fill(e, end);
        return e;
    }

    @Test
    void strictAndCausalKeepTheWholeCommonPrefix() {
        int[] cached = {1, 1, 2, 2, 1, 1}, next = {1, 1, 2, 2, 1, 2, 2, 1};
        for (MmcaMode mode : new MmcaMode[] {MmcaMode.STRICT, MmcaMode.CAUSAL}) {
            assertEquals(5, MmcaAttention.reusablePrefix(mode, cached, ends(6, 6), next, 5), mode.id());
        }
    }

    /**
     * Rows 0 and 1 precede every image: their reference image branch averages over the later images (§2.5.1), so
     * they stay only while those images are exactly the ones they read.
     */
    @Test
    void referenceKeepsRowsOnlyWhileTheirFallbackReadsTheSameKeys() {
        int[] cached = {1, 1, 2, 2, 1, 1};
        assertEquals(6, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, cached, ends(6, 6), new int[] {1, 1, 2, 2, 1, 1, 1, 1}, 6), "text after");
        assertEquals(0, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, cached, ends(6, 6), new int[] {1, 1, 2, 2, 1, 1, 2, 1}, 6), "a new image");
        assertEquals(0, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, new int[] {1, 1, 2, 1, 2}, ends(5, 5), new int[] {1, 1, 2, 1, 1}, 4),
                "an image the fallback read is dropped");
        assertEquals(0, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, new int[] {1, 1, 2, 1, 2, 1}, new int[] {4, 4, 4, 4, 6, 6},
                new int[] {1, 1, 2, 1, 2, 1, 1}, 6), "a kept image the fallback rows did not read");
        assertEquals(3, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, new int[] {1, 1, 2, 1, 1}, new int[] {3, 3, 3, 4, 5},
                new int[] {1, 1, 2, 1, 1, 1}, 3), "later text only");
        // Starting with an image: its text branch has no earlier text and averages over every later text token.
        assertEquals(0, MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, new int[] {2, 1}, ends(2, 2), new int[] {2, 1, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> MmcaAttention.reusablePrefix(MmcaMode.REFERENCE, cached, ends(6, 6), cached, 7));
    }
}
