package org.visualchat.mmca.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

class VocabularyResizeTest {
    /**
     * A checkpoint padded past its tokenizer (1000 ids, 1064 rows) resized for the 3 added tokens keeps its first
     * 1003 rows, as HF's resize_token_embeddings does when shrinking, instead of refusing the padded table.
     */
    @Test
    void aPaddedTableIsCutToTheTokenizerWithItsAddedTokens() {
        LlamaModel padded = LlamaModel.random(LlamaConfig.of(32, 48, 1, 4, 2, 1064), 1, DType.F32);
        LlamaModel resized = VocabularyResize.resize(padded, 1003, 7);
        assertEquals(1003, resized.config().vocabSize());
        for (String table : new String[] {"model.embed_tokens.weight", "lm_head.weight"}) {
            Tensor before = padded.namedParameters().get(table).value(), after = resized.namedParameters().get(table).value();
            assertArrayEquals(new int[] {1003, 32}, after.shape());
            assertArrayEquals(before.narrow(0, 0, 1003).contiguous().toFloatArray(), after.contiguous().toFloatArray(), table);
        }
    }
}
