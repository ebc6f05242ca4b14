package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.SceneGenerator;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.nn.Activation;
import org.visualchat.nn.Linear;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import org.visualchat.vision.image.RgbImage;

/**
 * Stage 1: pretrains the demo's CLIP-style ViT (HF {@code CLIPVisionModel} layout, 32 px, 8 px patches) so
 * that each output token names what it sees ({@link VisualWords}): a linear head on every token of
 * {@code last_hidden_state}, cross-entropy against the token's word. The head is thrown away afterwards;
 * what stays is an encoder whose tokens carry the scene's attributes, as CLIP's carry visual concepts.
 */
final class VisionPretraining {
    private VisionPretraining() {}

    static ClipVisionConfig encoderConfig(DemoConfig config) {
        return new ClipVisionConfig(config.vitHidden(), 2 * config.vitHidden(), config.vitLayers(), 4, DemoConfig.IMAGE_SIZE,
                DemoConfig.PATCH, 3, Activation.QUICK_GELU, 1e-5f);
    }

    /** The trained encoder (frozen) and its trained head's per-token accuracy on 200 held-out scenes. */
    record Result(ClipVisionEncoder encoder, double heldOutTokenAccuracy) {}

    /** Trains a fresh encoder. */
    static Result train(DemoConfig config, ProgressBar bar) {
        ClipVisionEncoder encoder = new ClipVisionEncoder(encoderConfig(config), config.seed());
        encoder.setTrainable(true);
        Linear head = new Linear(config.vitHidden(), VisualWords.WORDS.size(), true, config.seed() + 1);
        Map<String, Variable> params = new LinkedHashMap<>(encoder.module().trainableParameters());
        head.trainableParameters().forEach((n, p) -> params.put("head." + n, p));
        Random random = new Random(config.seed() + 2);
        TrainLoop.run(params, 2e-3, config.vitSteps(), bar, t -> {
            List<Scene> scenes = new ArrayList<>();
            for (int i = 0; i < config.vitBatch(); i++) scenes.add(SceneGenerator.next(random, Split.TRAIN));
            return loss(encoder, head, scenes, random);
        });
        encoder.setTrainable(false);
        return new Result(encoder, tokenAccuracy(encoder, head, 200, config.seed() + 3));
    }

    private static Variable loss(ClipVisionEncoder encoder, Linear head, List<Scene> scenes, Random random) {
        List<RgbImage> images = new ArrayList<>();
        int[] targets = new int[scenes.size() * VisualWords.TOKENS];
        for (int i = 0; i < scenes.size(); i++) {
            images.add(DemoData.RENDERER.render(scenes.get(i), random));
            System.arraycopy(VisualWords.classes(scenes.get(i)), 0, targets, i * VisualWords.TOKENS, VisualWords.TOKENS);
        }
        Variable logits = head.forward(encoder.encode(DemoData.pixels(images)));
        return Losses.crossEntropy(Views.reshape(logits, targets.length, VisualWords.WORDS.size()), Tensor.ofInts(targets, targets.length));
    }

    /** Fraction of the tokens of {@code count} held-out scenes for which the head picks the right word. */
    private static double tokenAccuracy(ClipVisionEncoder encoder, Linear head, int count, long seed) {
        Random random = new Random(seed);
        List<RgbImage> images = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Scene s = SceneGenerator.next(random, Split.HELD_OUT);
            images.add(DemoData.RENDERER.render(s, random));
            targets.add(VisualWords.classes(s));
        }
        try (NoGrad ignored = NoGrad.enter()) {
            float[] logits = head.forward(encoder.encode(DemoData.pixels(images))).value().toFloatArray();
            int words = VisualWords.WORDS.size(), right = 0;
            for (int i = 0; i < count; i++) {
                for (int t = 0; t < VisualWords.TOKENS; t++) {
                    int base = (i * VisualWords.TOKENS + t) * words, best = 0;
                    for (int w = 1; w < words; w++) if (logits[base + w] > logits[base + best]) best = w;
                    if (best == targets.get(i)[t]) right++;
                }
            }
            return right / (double) (count * VisualWords.TOKENS);
        }
    }
}
