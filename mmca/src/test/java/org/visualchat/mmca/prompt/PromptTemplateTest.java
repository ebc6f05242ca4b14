package org.visualchat.mmca.prompt;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The template strings character for character (DST.py TEMPLATE / Prompter, reference §3.1). */
class PromptTemplateTest {
    private static final String SYSTEM = "You are a helpful language and vision assistant. You are able to understand "
            + "the visual content that the user provides, and assist the user with a variety of tasks using natural "
            + "language.\n\n";

    @Test
    void roundWithoutImage() {
        assertEquals("### Question:\nWhy?\n\n### Answer:\n", PromptTemplate.instruction("Why?", 0, false));
    }

    @Test
    void firstRoundWithOneImage() {
        assertEquals(SYSTEM + "### Image:\n<image>\n\n### Question:\nWhat is it?\n\n### Answer:\n",
                PromptTemplate.instruction("What is it?", 1, true));
    }

    @Test
    void everyImageCountUpToEight() {
        for (int k = 1; k <= 8; k++) {
            String expected = "### Image:\n<image>\n".repeat(k) + "\n### Question:\nq\n\n### Answer:\n";
            assertEquals(expected, PromptTemplate.instruction("q", k, false), "k=" + k);
        }
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.instruction("q", 9, false));
    }

    @Test
    void textLevelNumberingReplacesOccurrencesInOrderFromTheOffset() {
        String three = PromptTemplate.instruction("q", 3, false);
        assertEquals("### Image 3:\n<image>\n### Image 4:\n<image>\n### Image 5:\n<image>\n\n### Question:\nq\n\n### Answer:\n",
                PromptTemplate.numberMarkers(three, 3, 2));
        // Only `count` occurrences are numbered (re.sub count=1, `count` times); the rest stay placeholders.
        assertEquals("### Image 1:\n<image>\n### Image:\n<image>\n### Image:\n<image>\n\n### Question:\nq\n\n### Answer:\n",
                PromptTemplate.numberMarkers(three, 1, 0));
        assertEquals("no marker", PromptTemplate.numberMarkers("no marker", 2, 0));
    }

    @Test
    void numberedMarkerRange() {
        assertEquals("### Image 8:", PromptTemplate.numberedMarker(8));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.numberedMarker(9));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.numberedMarker(0));
    }

    @Test
    void aThreeRoundTwoImageSampleRendersAsTheReferenceLayout() {
        List<Turn> turns = List.of(new Turn("q1", "a1", 1), new Turn("q2", "a2", 1), new Turn("q3", "a3", 0));
        // deepspeed-visualchat.md §3.2 (each string is then tokenized with its own <s> ... </s>).
        assertEquals(List.of(SYSTEM + "### Image 1:\n<image>\n\n### Question:\nq1\n\n### Answer:\na1",
                        "### Image 2:\n<image>\n\n### Question:\nq2\n\n### Answer:\na2",
                        "### Question:\nq3\n\n### Answer:\na3"),
                ConversationEncoder.render(turns, MarkerNumbering.TEXT_LEVEL));
        assertEquals(List.of(SYSTEM + "### Image:\n<image>\n\n### Question:\nq1\n\n### Answer:\na1",
                        "### Image:\n<image>\n\n### Question:\nq2\n\n### Answer:\na2",
                        "### Question:\nq3\n\n### Answer:\na3"),
                ConversationEncoder.render(turns, MarkerNumbering.TOKEN_LEVEL));
        assertEquals("### Image 2:\n<image>\n### Image 3:\n<image>\n\n### Question:\nq\n\n### Answer:\na",
                ConversationEncoder.render(List.of(new Turn("x", "y", 1), new Turn("q", "a", 2)), MarkerNumbering.TEXT_LEVEL).get(1));
    }
}
