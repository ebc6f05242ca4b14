package org.visualchat.mmca.demo.world;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AnswersTest {
    @Test
    void formattingDifferencesDoNotMatter() {
        assertTrue(Answers.correct("image 2", "  Image   2. "));
        assertTrue(Answers.correct("2", "two"));
        assertTrue(Answers.correct("yes", "Yes!"));
        assertTrue(Answers.correct("a small red circle at the top left", "A small red circle at the top left."));
    }

    @Test
    void contentDifferencesDo() {
        assertFalse(Answers.correct("image 2", "image 1"));
        assertFalse(Answers.correct("2", "20"));
        assertFalse(Answers.correct("yes", "yes no"));
        assertFalse(Answers.correct("a small red circle at the top left", "a small red circle at the top right"));
        assertFalse(Answers.correct("no", ""));
    }

    @Test
    void normaliseIsIdempotent() {
        for (String s : new String[] {"Two.", " image  3 ?", "", "...", "Yes"}) {
            assertEquals(Answers.normalise(s), Answers.normalise(Answers.normalise(s)));
        }
        assertEquals("", Answers.normalise(" ..."));
    }
}
