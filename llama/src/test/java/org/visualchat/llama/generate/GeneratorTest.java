package org.visualchat.llama.generate;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.llama.model.Weights;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Join;
import org.visualchat.tensor.ops.Rope;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    static LlamaTokenizer tokenizer() throws IOException, URISyntaxException {
        return LlamaTokenizer.load(Path.of(GeneratorTest.class.getResource("/tokenizer/tiny-llama-bpe.model").toURI()));
    }

    static LlamaConfig config(LlamaTokenizer t) {
        return LlamaConfig.of(32, 48, 2, 4, 2, t.vocabSize());
    }

    /** Greedy ids computed the slow way: a full forward over prompt + generated ids for every new token. */
    static int[] greedyWithoutCache(LlamaModel model, int[] prompt, int steps) {
        int[] ids = prompt.clone();
        for (int i = 0; i < steps; i++) {
            Tensor logits = model.infer(model.embedTokens(Tensor.ofInts(ids, 1, ids.length)), model.newCache(1, ids.length, DType.F32), null);
            float[] last = logits.narrow(1, ids.length - 1, 1).contiguous().toFloatArray();
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = Sampler.argmax(last);
        }
        return Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    /**
     * Every session generateAll started is closed when a prefill fails, the failing one included (it was not
     * yet in generateAll's list when its prefill threw).
     */
    @Test
    void sessionsAreClosedWhenAPrefillFails() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaModel model = LlamaModel.random(config(tok), 1, DType.F32);
        List<String> events = new ArrayList<>();
        CausalLm failingSecond = new CausalLm() {
            @Override public LlamaConfig config() { return model.config(); }

            @Override public Tensor embedTokens(Tensor ids) { return model.embedTokens(ids); }

            @Override public Session start(int capacity, DType cacheType) {
                int index = (int) events.stream().filter(e -> e.startsWith("start")).count();
                events.add("start " + index);
                Session inner = model.start(capacity, cacheType);
                return new Session() {
                    @Override public Tensor inferLast(Tensor embeds, AttentionPolicy policy) {
                        if (index == 1) throw new IllegalStateException("prefill " + index + " failed");
                        return inner.inferLast(embeds, policy);
                    }

                    @Override public Tensor inferToken(int id, AttentionPolicy policy) { return inner.inferToken(id, policy); }

                    @Override public int length() { return inner.length(); }

                    @Override public void truncate(int newLength) { inner.truncate(newLength); }

                    @Override public void close() { events.add("close " + index); }
                };
            }
        };
        Generator generator = new Generator(failingSecond, tok);
        GenerationConfig greedy = new GenerationConfig(4, List.of(), false, SamplingConfig.greedy(), DType.F32);
        List<Generator.Request> requests = List.of(
                generator.request(tok.encode("The licence", true, false), greedy, t -> {}),
                generator.request(tok.encode("A", true, false), greedy, t -> {}));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> generator.generateAll(requests));
        assertEquals("prefill 1 failed", e.getMessage());
        assertEquals(List.of("start 0", "start 1", "close 1", "close 0"), events);
    }

    @Test
    void greedyGenerationEqualsFullRecomputationAndStreamsItsText() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaModel model = LlamaModel.random(config(tok), 1, DType.F32);
        int[] prompt = tok.encode("The licence grants", true, false);
        StringBuilder streamed = new StringBuilder();
        GenerationConfig greedy = new GenerationConfig(12, List.of(), false, SamplingConfig.greedy(), DType.F32);
        Generator.Result r = new Generator(model, tok).generate(prompt, greedy, streamed::append);
        assertArrayEquals(greedyWithoutCache(model, prompt, 12), r.tokens());
        assertEquals(Generator.StopReason.MAX_NEW_TOKENS, r.reason());
        assertEquals(r.text(), streamed.toString());
        String whole = tok.decode(concat(prompt, r.tokens()));
        assertEquals(whole, tok.decode(prompt) + r.text(), "the continuation keeps its leading space");
    }

    @Test
    void stopStringCutsTheTextAndIsNeverPrinted() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaModel model = LlamaModel.random(config(tok), 2, DType.F32);
        int[] prompt = tok.encode("A copy of", true, false);
        GenerationConfig free = new GenerationConfig(16, List.of(), false, SamplingConfig.greedy(), DType.F32);
        String full = new Generator(model, tok).generate(prompt, free, s -> {}).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        int cut = full.indexOf(stop);
        List<String> pieces = new ArrayList<>();
        Generator.Result r = new Generator(model, tok).generate(prompt, new GenerationConfig(16, List.of("\u0000never", stop), false, SamplingConfig.greedy(), DType.F32), pieces::add);
        assertEquals(Generator.StopReason.STOP_STRING, r.reason());
        assertEquals(full.substring(0, cut), r.text());
        assertEquals(r.text(), String.join("", pieces));
    }

    @Test
    void eosStopsGeneration() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaConfig c = config(tok);
        int[] prompt = tok.encode("Software", true, false);
        int first = new Generator(LlamaModel.random(c, 3, DType.F32), tok).generate(prompt, GenerationConfig.greedy(1), s -> {}).tokens()[0];
        // The same model with the LM-head rows of that first token and of EOS swapped picks EOS first.
        RandomWeights random = new RandomWeights(3, DType.F32);
        Weights swapped = (name, shape) -> {
            Tensor t = random.tensor(name, shape);
            if (!name.equals("lm_head.weight")) return t;
            Tensor copy = t.copy();
            t.narrow(0, first, 1).copyTo(copy.narrow(0, tok.eosId(), 1));
            t.narrow(0, tok.eosId(), 1).copyTo(copy.narrow(0, first, 1));
            return copy;
        };
        LlamaModel model = new LlamaModel(c, Rope.Layout.HALF, swapped);
        Generator.Result r = new Generator(model, tok).generate(prompt, GenerationConfig.greedy(5), s -> {});
        assertEquals(Generator.StopReason.EOS, r.reason());
        assertEquals(0, r.tokens().length);
        assertEquals("", r.text());
    }

    /**
     * A checkpoint whose embedding table is padded past the tokenizer (here 64 rows) generates as the unpadded
     * one: the padding rows, whose LM-head rows here outscore every real token, are never picked, and
     * nothing asks the tokenizer to decode an id it does not have.
     */
    @Test
    void paddedVocabularyRowsAreNeverSampled() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaConfig c = config(tok);
        int[] prompt = tok.encode("Software", true, false);
        LlamaModel plain = LlamaModel.random(c, 3, DType.F32);
        GenerationConfig greedy = new GenerationConfig(5, List.of(), false, SamplingConfig.greedy(), DType.F32);
        Generator.Result expected = new Generator(plain, tok).generate(prompt, greedy, s -> {});
        int first = expected.tokens()[0];
        int padding = 64;
        RandomWeights random = new RandomWeights(3, DType.F32);
        Weights padded = (name, shape) -> {
            if (!name.equals("lm_head.weight") && !name.equals("model.embed_tokens.weight")) return random.tensor(name, shape);
            Tensor real = random.tensor(name, c.vocabSize(), c.hiddenSize());
            Tensor extra = Tensor.zeros(padding, c.hiddenSize());
            // LM-head padding rows: 1000 times the row of the token greedy picks first, so they win the argmax.
            if (name.equals("lm_head.weight")) {
                for (int i = 0; i < padding; i++) real.narrow(0, first, 1).copyTo(extra.narrow(0, i, 1));
                extra = Elementwise.mul(extra, 1000f);
            }
            return Join.concat(0, real, extra);
        };
        LlamaConfig wide = LlamaConfig.of(32, 48, 2, 4, 2, tok.vocabSize() + padding);
        Generator.Result r = new Generator(new LlamaModel(wide, Rope.Layout.HALF, padded), tok).generate(prompt, greedy, s -> {});
        assertArrayEquals(expected.tokens(), r.tokens());
        assertEquals(expected.text(), r.text());
    }

    @Test
    void seededSamplingIsReproducible() throws Exception {
        LlamaTokenizer tok = tokenizer();
        LlamaModel model = LlamaModel.random(config(tok), 4, DType.BF16);
        int[] prompt = tok.encode("Permission is", true, false);
        GenerationConfig sampled = new GenerationConfig(10, List.of(), false, new SamplingConfig(0.9f, 40, 0.95f, 1.1f, 7), DType.BF16);
        int[] a = new Generator(model, tok).generate(prompt, sampled, s -> {}).tokens();
        int[] b = new Generator(model, tok).generate(prompt, sampled, s -> {}).tokens();
        assertArrayEquals(a, b);
        assertEquals(10, a.length);
    }

    /**
     * Several sequences decoded together (one batched step per token, each with its own cache, prompt length,
     * attention policy, sampling, stop rule and length limit, so the batch shrinks as they finish) give each
     * exactly what it gives generated alone, and each listener hears only its own text.
     */
    @Test
    void batchedGenerationEqualsEachSequenceAlone() throws Exception {
        LlamaTokenizer tok = tokenizer();
        for (DType type : new DType[] {DType.F32, DType.BF16}) {
            LlamaModel model = LlamaModel.random(config(tok), 5, type);
            Generator generator = new Generator(model, tok);
            String[] prompts = {"The licence", "Permission is hereby granted, free of charge,", "A", "Copyright notice and"};
            GenerationConfig[] configs = {
                    new GenerationConfig(12, List.of(), false, SamplingConfig.greedy(), DType.F32),
                    new GenerationConfig(9, List.of(), false, new SamplingConfig(0.9f, 40, 0.95f, 1.1f, 7), DType.F32),
                    new GenerationConfig(3, List.of(), false, new SamplingConfig(1.2f, 0, 0.8f, 1.0f, 11), DType.BF16),
                    new GenerationConfig(14, List.of(), false, new SamplingConfig(0.7f, 5, 1.0f, 1.3f, 3), DType.F32)};
            List<Generator.Request> requests = new ArrayList<>();
            List<StringBuilder> streamed = new ArrayList<>();
            List<Generator.Result> alone = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                int[] ids = tok.encode(prompts[i], true, false);
                StringBuilder out = new StringBuilder();
                streamed.add(out);
                Generator.Request r = generator.request(ids, configs[i], out::append);
                // One sequence goes through the attention-policy path (causal as a policy: the same attention).
                if (i == 1) r = new Generator.Request(r.promptEmbeds(), r.history(), r.prefixId(), AttentionPolicy.causal(), r.config(), r.listener());
                requests.add(r);
                alone.add(generator.generate(ids, configs[i], s -> {}));
            }
            List<Generator.Result> together = generator.generateAll(requests);
            for (int i = 0; i < prompts.length; i++) {
                assertArrayEquals(alone.get(i).tokens(), together.get(i).tokens(), type + " sequence " + i);
                assertEquals(alone.get(i).text(), together.get(i).text());
                assertEquals(together.get(i).text(), streamed.get(i).toString());
                assertEquals(configs[i].maxNewTokens(), together.get(i).tokens().length);
            }
        }
    }

    @Test
    void splitUtf8CharactersAreHeldBackUntilComplete() throws Exception {
        LlamaTokenizer tok = tokenizer();
        int[] ids = tok.encodeOrdinary("x 🦙 ä");
        assertTrue(ids.length >= 5, "the emoji falls back to byte pieces: " + Arrays.toString(ids));
        IncrementalDecoder decoder = new IncrementalDecoder(tok, tok.encodeOrdinary("is")[0]);
        StringBuilder printed = new StringBuilder();
        for (int id : ids) {
            decoder.append(id);
            String text = decoder.text();
            int stable = IncrementalDecoder.stableLength(text);
            assertTrue(stable >= printed.length());
            printed.append(text, printed.length(), stable);
            assertFalse(printed.toString().contains("\uFFFD"), printed.toString());
        }
        assertEquals(" x 🦙 ä", printed.toString(), "text after a prompt piece keeps its leading space");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
