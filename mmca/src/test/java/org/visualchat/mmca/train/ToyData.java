package org.visualchat.mmca.train;

import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.TinyModels;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Multi-image, multi-round toy samples in the collator's layout: a prompt with one or two
 * {@code <image>} ids and a question, an answer (supervised, + EOS), then a second round.
 */
final class ToyData implements TrainingData {
    record Sample(int[] ids, int[] labels, Tensor pixels) {}

    final List<Sample> samples = new ArrayList<>();

    ToyData(int count, long seed) {
        int img = TinyModels.IMAGE, eos = TinyModels.EOS;
        for (int s = 0; s < count; s++) {
            int images = 1 + s % 2;
            int a = 10 + (s * 7) % 30, b = 10 + (s * 11 + 3) % 30;
            int[] ids = images == 1
                    ? new int[] {1, 3, img, 4, 5, a, b, eos, 1, 6, 7, b, eos}
                    : new int[] {1, 3, img, 3, img, 4, 5, a, b, eos, 1, 6, 7, b, a, eos};
            int[] labels = new int[ids.length];
            Arrays.fill(labels, -100);
            for (int t = 0; t < ids.length; t++) {
                boolean answer = ids[t] >= 10 && ids[t] < 40 || (ids[t] == eos && t > 0);
                if (answer) labels[t] = ids[t];
            }
            samples.add(new Sample(ids, labels, TinyModels.pixels(seed + s, images)));
        }
    }

    @Override
    public int size() { return samples.size(); }

    @Override
    public ModelInput batch(int[] indices) {
        int longest = 0;
        for (int i : indices) longest = Math.max(longest, samples.get(i).ids().length);
        int[][] ids = new int[indices.length][], codes = new int[indices.length][], labels = new int[indices.length][];
        int[] counts = new int[indices.length];
        List<Tensor> pixels = new ArrayList<>();
        for (int r = 0; r < indices.length; r++) {
            Sample s = samples.get(indices[r]);
            ids[r] = Arrays.copyOf(s.ids(), longest);
            Arrays.fill(ids[r], s.ids().length, longest, TinyModels.EOS);
            codes[r] = new int[longest];
            Arrays.fill(codes[r], 0, s.ids().length, 1);
            labels[r] = Arrays.copyOf(s.labels(), longest);
            Arrays.fill(labels[r], s.ids().length, longest, -100);
            counts[r] = s.pixels().dim(0);
            pixels.add(s.pixels());
        }
        return new ModelInput(ids, codes, labels, counts, Join.concat(0, pixels.toArray(Tensor[]::new)));
    }
}
