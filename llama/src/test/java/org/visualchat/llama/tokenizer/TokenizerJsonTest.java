package org.visualchat.llama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HF tokenizer.json path (merges applied by rank) gives the same ids as SentencePiece's tokenizer.model path
 * (merges applied by score), both plain and with special tokens split out.
 */
class TokenizerJsonTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-bpe", "llama2"})
    void convertedModelMatchesSentencePieceGoldens(String model) throws IOException {
        Path modelFile = Goldens.model(model);
        LlamaTokenizer fromJson = LlamaTokenizer.load(HfTokenizerJson.fromSentencePieceModel(modelFile));
        LlamaTokenizer fromModel = LlamaTokenizer.load(modelFile);
        List<Goldens.Case> cases = Goldens.encodeCases(model);
        Goldens.assertAllMatch(model + " tokenizer.json (converted) encodeOrdinary", cases,
                c -> fromJson.encodeOrdinary(c.text()));
        assertSameEncode(fromModel, fromJson, cases);
    }

    /** HF's real merge list for LLaMA (from llama-tokenizer-js), not derived from our model reader. */
    @Test
    void realHfMergesMatchSentencePieceGoldens() throws IOException {
        LlamaTokenizer fromJson = LlamaTokenizer.load(HfTokenizerJson.fromLlamaTokenizerJs(List.of()));
        LlamaTokenizer fromModel = LlamaTokenizer.load(NpmFixtures.llama2Model());
        List<Goldens.Case> cases = Goldens.encodeCases("llama2");
        Goldens.assertAllMatch("llama2 tokenizer.json (HF merges) encodeOrdinary", cases,
                c -> fromJson.encodeOrdinary(c.text()));
        assertSameEncode(fromModel, fromJson, cases);
        assertEquals(fromModel.vocabSize(), fromJson.vocabSize());
        for (int id = 0; id < fromModel.vocabSize(); id++) assertEquals(fromModel.piece(id), fromJson.piece(id));
    }

    private static void assertSameEncode(LlamaTokenizer expected, LlamaTokenizer actual, List<Goldens.Case> cases) {
        for (Goldens.Case c : cases) {
            assertArrayEquals(expected.encode(c.text(), true, false), actual.encode(c.text(), true, false),
                    Goldens.quote(c.text()));
            int[] ids = expected.encodeOrdinary(c.text());
            assertEquals(expected.decode(ids), actual.decode(ids), Goldens.quote(c.text()));
        }
    }
}
