package org.visualchat.mmca.demo.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.visualchat.vision.image.RgbImage;

/**
 * A multi-image, multi-round conversation about {@code scenes} (image {@code i + 1} is {@code scenes.get(i)}).
 * {@code renderSeed} fixes the pixels: {@link #images} paints the same jitter and noise every time.
 */
public record Dialogue(List<Scene> scenes, List<Round> rounds, long renderSeed) {
    public Dialogue {
        scenes = List.copyOf(scenes);
        rounds = List.copyOf(rounds);
        int expected = 1;
        for (Round round : rounds) {
            for (int image : round.attached()) {
                if (image != expected++) throw new IllegalArgumentException("images must be attached in order 1, 2, ...; got " + image);
            }
        }
        if (expected - 1 != scenes.size()) throw new IllegalArgumentException((expected - 1) + " images attached for " + scenes.size() + " scenes");
    }

    /** The scenes painted by {@code renderer}, image 1 first. */
    public List<RgbImage> images(SceneRenderer renderer) {
        List<RgbImage> out = new ArrayList<>(scenes.size());
        for (int i = 0; i < scenes.size(); i++) out.add(renderer.render(scenes.get(i), new Random(renderSeed * 31 + i)));
        return out;
    }

    /** Number of images shown up to and including round {@code r} (0-based). */
    public int imagesShownBy(int r) {
        int n = 0;
        for (int i = 0; i <= r; i++) n += rounds.get(i).attached().size();
        return n;
    }
}
