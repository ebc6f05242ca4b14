package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Joins;
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
 * Stage 2: pretrains the demo's CLIP-style ViT (HF {@code CLIPVisionModel} layout, 32 px, 16 px patches) so
 * that each output token names what it sees ({@link VisualWords}): a linear head on every token of
 * {@code last_hidden_state} with one group of outputs per bag slot (its classes and "absent"), the loss the
 * mean of the groups' cross-entropies. The head is thrown away afterwards; what stays is an encoder whose
 * tokens carry the scene's attributes, each linearly readable, as CLIP's carry visual concepts.
 */
final class VisionPretraining {
    /** Outputs of each slot's group in the head: the slot's classes, then "absent". */
    private static final int[] GROUPS = VisualWords.SLOTS.stream().mapToInt(words -> words.size() + 1).toArray();

    private VisionPretraining() {}

    static ClipVisionConfig encoderConfig(DemoConfig config) {
        return new ClipVisionConfig(config.vitHidden(), 2 * config.vitHidden(), config.vitLayers(), 4, DemoConfig.IMAGE_SIZE,
                DemoConfig.PATCH, 3, Activation.QUICK_GELU, 1e-5f);
    }

    /** The trained encoder (frozen) and its trained head's per-token accuracy (whole bag right) on 200 held-out scenes. */
    record Result(ClipVisionEncoder encoder, double heldOutTokenAccuracy) {}

    /** Trains a fresh encoder. */
    static Result train(DemoConfig config, ProgressBar bar) {
        ClipVisionEncoder encoder = new ClipVisionEncoder(encoderConfig(config), config.seed());
        encoder.setTrainable(true);
        Linear head = new Linear(config.vitHidden(), Arrays.stream(GROUPS).sum(), true, config.seed() + 1);
        Map<String, Variable> params = new LinkedHashMap<>(encoder.module().trainableParameters());
        head.trainableParameters().forEach((n, p) -> params.put("head." + n, p));
        Random random = new Random(config.seed() + 2);
        TrainLoop.run(params, 2e-3, config.vitSteps(), bar, t -> {
            List<Scene> scenes = new ArrayList<>();
            for (int i = 0; i < config.vitBatch(); i++) scenes.add(SceneGenerator.next(random, Split.TRAIN));
            return TrainLoop.whole(() -> loss(encoder, head, scenes, random));
        });
        encoder.setTrainable(false);
        return new Result(encoder, tokenAccuracy(encoder, head, 200, config.seed() + 3));
    }

    private static Variable loss(ClipVisionEncoder encoder, Linear head, List<Scene> scenes, Random random) {
        List<RgbImage> images = new ArrayList<>();
        int n = scenes.size() * VisualWords.TOKENS;
        int[][] targets = new int[GROUPS.length][n];
        for (int i = 0; i < scenes.size(); i++) {
            images.add(DemoData.RENDERER.render(scenes.get(i), random));
            int[][] bags = VisualWords.classes(scenes.get(i));
            for (int t = 0; t < VisualWords.TOKENS; t++) {
                for (int k = 0; k < GROUPS.length; k++) targets[k][i * VisualWords.TOKENS + t] = target(k, bags[t][k]);
            }
        }
        Variable logits = Views.reshape(head.forward(encoder.encode(DemoData.pixels(images))), n, Arrays.stream(GROUPS).sum());
        Variable[] groups = Joins.split(logits, 1, GROUPS);
        Variable sum = null;
        for (int k = 0; k < GROUPS.length; k++) {
            Variable term = Losses.crossEntropy(groups[k], Tensor.ofInts(targets[k], n));
            sum = sum == null ? term : Arith.add(sum, term);
        }
        return Arith.mul(sum, 1f / GROUPS.length);
    }

    /** Index of a slot's class within its head group; "absent" is the group's last output. */
    private static int target(int slot, int cls) {
        return cls == VisualWords.NONE ? GROUPS[slot] - 1 : cls;
    }

    /** Fraction of the tokens of {@code count} held-out scenes for which the head gets every slot of the bag right. */
    private static double tokenAccuracy(ClipVisionEncoder encoder, Linear head, int count, long seed) {
        Random random = new Random(seed);
        List<RgbImage> images = new ArrayList<>();
        List<int[][]> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Scene s = SceneGenerator.next(random, Split.HELD_OUT);
            images.add(DemoData.RENDERER.render(s, random));
            targets.add(VisualWords.classes(s));
        }
        try (NoGrad ignored = NoGrad.enter()) {
            float[] logits = head.forward(encoder.encode(DemoData.pixels(images))).value().toFloatArray();
            int outputs = Arrays.stream(GROUPS).sum(), right = 0;
            for (int i = 0; i < count; i++) {
                for (int t = 0; t < VisualWords.TOKENS; t++) {
                    boolean all = true;
                    for (int k = 0, from = (i * VisualWords.TOKENS + t) * outputs; k < GROUPS.length; from += GROUPS[k++]) {
                        int best = 0;
                        for (int c = 1; c < GROUPS[k]; c++) if (logits[from + c] > logits[from + best]) best = c;
                        all &= best == target(k, targets.get(i)[t][k]);
                    }
                    if (all) right++;
                }
            }
            return right / (double) (count * VisualWords.TOKENS);
        }
    }
}
