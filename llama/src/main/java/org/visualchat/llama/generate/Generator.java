package org.visualchat.llama.generate;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive generation: a prefill of each prompt (ids, or embeddings with image features spliced
 * in), then one decode step per token through the KV cache, streaming text as it becomes printable.
 * Several sequences ({@link #generateAll}) decode together: each step is one {@link CausalLm#inferEach}
 * over the sequences still running (on the CPU every weight row streams from memory once for all of
 * them), each with its own cache, attention policy, sampling and stopping rules.
 *
 * <pre>{@code
 * var generator = new Generator(model, tokenizer);   // a LlamaModel (CPU) or any other CausalLm
 * Generator.Result r = generator.generate(tokenizer.encode("Once upon a time", true, false),
 *         GenerationConfig.greedy(64), System.out::print);
 * }</pre>
 */
public final class Generator {
    /** Receives text as soon as it is printable (complete characters, never part of a stop string). */
    @FunctionalInterface
    public interface TextListener {
        void onText(String text);
    }

    public enum StopReason { EOS, STOP_STRING, MAX_NEW_TOKENS }

    /**
     * The generated ids (without EOS), their text (cut before a stop string), why generation stopped,
     * and the time spent in the prefill and in the decode steps (sampling included).
     */
    public record Result(int[] tokens, String text, StopReason reason, int promptTokens, long prefillNanos, long decodeNanos) {}

    /**
     * One sequence to generate: prompt embeddings [1, S, d] (e.g. with image features spliced in).
     *
     * @param history  ids the repetition penalty counts as already seen (HF: the input ids; none for embeddings)
     * @param prefixId the prompt's last text id, so the first generated piece keeps its leading space; -1 if none
     * @param policy   attention for every step (null = causal); see llama.md for what it receives with a cache
     */
    public record Request(Tensor promptEmbeds, int[] history, int prefixId, AttentionPolicy policy, GenerationConfig config, TextListener listener) {
        public Request {
            if (promptEmbeds.rank() != 3 || promptEmbeds.dim(0) != 1) {
                throw new IllegalArgumentException("prompt embeddings must be [1, S, d], got " + Arrays.toString(promptEmbeds.shape()));
            }
            history = history.clone();
        }
    }

    private final CausalLm model;
    private final LlamaTokenizer tokenizer;

    public Generator(CausalLm model, LlamaTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Generates after the prompt ids (BOS included if wanted), causal attention. */
    public Result generate(int[] promptIds, GenerationConfig config, TextListener listener) {
        return generateAll(List.of(request(promptIds, config, listener))).getFirst();
    }

    /** A request for a prompt of ids (BOS included if wanted), causal attention. */
    public Request request(int[] promptIds, GenerationConfig config, TextListener listener) {
        if (promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty (add BOS to generate from nothing)");
        Tensor embeds = model.embedTokens(Tensor.ofInts(promptIds, 1, promptIds.length));
        return new Request(embeds, promptIds, promptIds[promptIds.length - 1], null, config, listener);
    }

    /** Generates after prompt embeddings [1, S, d]; see {@link Request} for the arguments. */
    public Result generate(Tensor promptEmbeds, int[] history, int prefixId, AttentionPolicy policy, GenerationConfig config, TextListener listener) {
        return generateAll(List.of(new Request(promptEmbeds, history, prefixId, policy, config, listener))).getFirst();
    }

    /**
     * Generates every request, decoding them together: each prompt is prefilled alone (prompts differ in
     * length), then every step runs the still-active sequences as one batch through
     * {@link CausalLm#inferEach}. Results are in request order; each sequence's listener hears only its
     * own text. A sequence gets exactly what it gets alone (see {@link CausalLm#inferEach}).
     */
    public List<Result> generateAll(List<Request> requests) {
        List<Sequence> sequences = new ArrayList<>(requests.size());
        try {
            for (Request r : requests) sequences.add(new Sequence(r));
            long decodeStart = System.nanoTime();
            List<Sequence> active = new ArrayList<>();
            for (Sequence s : sequences) if (s.accept(s.prefillLogits, decodeStart)) active.add(s);
            while (!active.isEmpty()) {
                int n = active.size();
                int[] ids = new int[n];
                CausalLm.Session[] sessions = new CausalLm.Session[n];
                AttentionPolicy[] policies = new AttentionPolicy[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = active.get(i).last;
                    sessions[i] = active.get(i).session;
                    policies[i] = active.get(i).request.policy();
                }
                Tensor logits = model.inferEach(ids, sessions, policies);
                List<Sequence> still = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    if (active.get(i).accept(logits.narrow(0, i, 1).toFloatArray(), decodeStart)) still.add(active.get(i));
                }
                active = still;
            }
            return sequences.stream().map(s -> s.result).toList();
        } finally {
            for (Sequence s : sequences) s.session.close();
        }
    }

    /** One sequence's state: its decoding session, sampler, text so far, and its result once it stops. */
    private final class Sequence {
        final Request request;
        final CausalLm.Session session;
        final Sampler sampler;
        final IncrementalDecoder decoder;
        final float[] prefillLogits;
        final long prefillNanos;
        int[] seen;
        int seenCount, generated, emitted, last;
        Result result;

        Sequence(Request request) {
            this.request = request;
            GenerationConfig config = request.config();
            this.sampler = new Sampler(config.sampling());
            this.decoder = new IncrementalDecoder(tokenizer, request.prefixId());
            this.seen = Arrays.copyOf(request.history(), request.history().length + config.maxNewTokens());
            this.seenCount = request.history().length;
            this.session = model.start(request.promptEmbeds().dim(1) + config.maxNewTokens(), config.cacheType());
            long start = System.nanoTime();
            try {
                this.prefillLogits = session.inferLast(request.promptEmbeds(), request.policy()).toFloatArray();
            } catch (RuntimeException | Error e) {
                session.close();                 // not yet in generateAll's list, whose finally closes the others
                throw e;
            }
            this.prefillNanos = System.nanoTime() - start;
        }

        /** Samples the next id from {@code logits}; false (and {@link #result} set) if the sequence stops here. */
        boolean accept(float[] logits, long decodeStart) {
            GenerationConfig config = request.config();
            // A checkpoint may pad its embedding table past the tokenizer (LoadedModel.MAX_PADDING_ROWS): those
            // rows have no text, so they are never candidates (the same as masking their logits to -inf).
            float[] decodable = logits.length > tokenizer.vocabSize() ? Arrays.copyOf(logits, tokenizer.vocabSize()) : logits;
            int id = sampler.sample(decodable, Arrays.copyOf(seen, seenCount));
            if (config.stopOnEos() && id == tokenizer.eosId()) return finish(decoder.text(), StopReason.EOS, decodeStart);
            seen[seenCount++] = id;
            generated++;
            last = id;
            decoder.append(id);
            String text = decoder.text();
            int stop = StopStrings.firstMatch(text, config.stopStrings());
            if (stop >= 0) return finish(text.substring(0, stop), StopReason.STOP_STRING, decodeStart);
            if (generated == config.maxNewTokens()) return finish(text, StopReason.MAX_NEW_TOKENS, decodeStart);
            int printable = StopStrings.safeLength(text, IncrementalDecoder.stableLength(text), config.stopStrings());
            if (printable > emitted) {
                request.listener().onText(text.substring(emitted, printable));
                emitted = printable;
            }
            return true;
        }

        private boolean finish(String text, StopReason reason, long decodeStart) {
            if (text.length() > emitted) request.listener().onText(text.substring(emitted));
            int from = request.history().length;
            result = new Result(Arrays.copyOfRange(seen, from, from + generated), text, reason,
                    request.promptEmbeds().dim(1), prefillNanos, System.nanoTime() - decodeStart);
            return false;
        }
    }
}
