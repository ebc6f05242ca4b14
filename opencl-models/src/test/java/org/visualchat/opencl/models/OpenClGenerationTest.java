package org.visualchat.opencl.models;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.generate.GenerationConfig;
import org.visualchat.llama.generate.Generator;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unchanged {@link Generator} drives the OpenCL model: greedy decoding gives the CPU model's tokens and text. */
class OpenClGenerationTest {
    /** The small SentencePiece model of the tokenizer tests (tests run in the module directory). */
    static final Path TOKENIZER = Path.of("../llama/src/test/resources/tokenizer/tiny-llama-bpe.model");

    @Test
    void greedyGenerationMatchesTheCpuModel() throws IOException {
        LlamaTokenizer tok = LlamaTokenizer.load(TOKENIZER);
        LlamaModel model = LlamaModel.random(LlamaConfig.of(64, 96, 2, 4, 2, tok.vocabSize()), 3, DType.Q8_0);
        int[] prompt = tok.encode("The licence of this file", true, false);
        GenerationConfig config = GenerationConfig.greedy(12);
        Generator.Result cpu = new Generator(model, tok).generate(prompt, config, text -> { });
        StringBuilder streamed = new StringBuilder();
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", prompt.length + 12)) {
            Generator.Result device = new Generator(gpu, tok).generate(prompt, config, streamed::append);
            assertTrue(gpu.ranOnOpenCl(), "ran on OpenCL");
            assertArrayEquals(cpu.tokens(), device.tokens(), "greedy tokens");
            assertEquals(cpu.text(), device.text());
            assertEquals(device.text(), streamed.toString(), "streamed text");
        }
    }
}
