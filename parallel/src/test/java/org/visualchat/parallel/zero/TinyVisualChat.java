package org.visualchat.parallel.zero;

import java.util.List;
import java.util.function.UnaryOperator;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Embedding;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.nn.SwiGluMlp;
import org.visualchat.tensor.Tensor;

/**
 * A VisualChat-shaped toy (distributed.md §8.3 G): a frozen "vision" encoder, a trainable projection and
 * token embedding, one trainable and one frozen decoder MLP with residuals, and a frozen LM head. All sizes
 * are odd so shards are uneven at p = 2, 3, 4.
 */
final class TinyVisualChat extends Module {
    static final int VOCAB = 101, DIM = 24, HIDDEN = 37, PIXELS = 13;

    final Linear vision = child("vision", new Linear(PIXELS, DIM, false, 1));
    final Linear projection = child("projection", new Linear(DIM, DIM, true, 2));
    final Embedding embed = child("embed_tokens", new Embedding(VOCAB, DIM, 3));
    final SwiGluMlp mlp0 = child("mlp0", new SwiGluMlp(DIM, HIDDEN, 4));
    final SwiGluMlp mlp1 = child("mlp1", new SwiGluMlp(DIM, HIDDEN, 5));
    final Linear head = child("lm_head", new Linear(DIM, VOCAB, false, 6));

    TinyVisualChat() {
        freeze(NamePattern.glob("vision.**"));
        freeze(NamePattern.glob("mlp1.**"));
        freeze(NamePattern.glob("lm_head.**"));
    }

    /** Stores the projection weight (trainable) and the frozen mlp1 in BF16, as VisualChat-J stores weights. */
    TinyVisualChat inBf16() {
        projection.weight().setValue(projection.weight().value().to(org.visualchat.tensor.DType.BF16));
        mlp1.namedParameters().values().forEach(p -> p.setValue(p.value().to(org.visualchat.tensor.DType.BF16)));
        return this;
    }

    List<Module> units() { return List.of(vision, projection, embed, mlp0, mlp1, head); }

    /** How a unit's forward is run: {@code ZeroEngine::forward}, or directly for the single-process reference. */
    interface Runner {
        Variable forward(Module unit, Variable input, UnaryOperator<Variable> body);

        Runner DIRECT = (unit, input, body) -> body.apply(input);
    }

    /** Mean cross-entropy of predicting {@code targets} from one image row and one token per example. */
    Variable loss(Runner zero, Tensor pixels, Tensor ids, Tensor targets) {
        Variable img = zero.forward(vision, Variable.of(pixels), vision::forward);
        img = zero.forward(projection, img, projection::forward);
        Variable tok = zero.forward(embed, Variable.of(ids), in -> embed.forward(in.value()));
        Variable h = Arith.add(img, tok);
        h = Arith.add(h, zero.forward(mlp0, h, mlp0::forward));
        h = Arith.add(h, zero.forward(mlp1, h, mlp1::forward));
        return Losses.crossEntropy(zero.forward(head, h, head::forward), targets);
    }

    /** Examples [from, from + count) of micro-batch {@code micro}: image rows. */
    static Tensor pixels(long micro, int from, int count) {
        return Tensor.uniform(1000 + micro, -1, 1, 64, PIXELS).narrow(0, from, count).contiguous();
    }

    /** Examples [from, from + count) of micro-batch {@code micro}: token ids (salt 0) or targets (salt 1). */
    static Tensor ids(long micro, int from, int count, int salt) {
        int[] v = new int[count];
        for (int i = 0; i < count; i++) v[i] = (int) Math.floorMod((micro * 7919 + (from + i) * 104729L + salt) * 2654435761L >>> 7, VOCAB);
        return Tensor.ofInts(v, count);
    }
}
