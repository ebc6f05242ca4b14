package org.visualchat.mmca.testing;

import org.visualchat.mmca.data.BadSampleException;
import org.visualchat.mmca.data.Conversation;
import org.visualchat.mmca.data.ConversationDataset;
import org.visualchat.mmca.data.ImageSource;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * An in-memory dataset: item i has {@code images.apply(i)} images (files under {@code dir}, written on demand),
 * one round per image plus a text-only round, and an answer that includes a random draw (so tests can see that
 * rendering randomness is reproduced).
 */
public final class SyntheticDataset implements ConversationDataset {
    private final String name;
    private final int size;
    private final Path dir;
    private final IntFunction<Conversation> override;

    public SyntheticDataset(String name, int size, Path dir, IntFunction<Conversation> override) {
        this.name = name;
        this.size = size;
        this.dir = dir;
        this.override = override;
    }

    public SyntheticDataset(String name, int size, Path dir) {
        this(name, size, dir, i -> null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Conversation get(int index, RandomGenerator random) throws BadSampleException {
        Conversation special = override.apply(index);
        if (special != null) return special;
        return standard(name + "[" + index + "]", 1 + index % 3, dir.resolve(name + "-" + index), random.nextInt(1000));
    }

    /** {@code images} rounds with one image each, then one text round; images written under {@code folder}. */
    public static Conversation standard(String id, int images, Path folder, int draw) {
        List<Turn> turns = new ArrayList<>();
        List<ImageSource> sources = new ArrayList<>();
        for (int k = 0; k < images; k++) {
            turns.add(new Turn("the cat " + k, "free software " + draw, 1));
            Path file = folder.resolve(k + ".png");
            if (!file.toFile().exists()) Images.write(file, k + id.length());
            sources.add(ImageSource.file(file));
        }
        turns.add(new Turn("and?", "the license", 0));
        return new Conversation(id, turns, sources, MarkerNumbering.TEXT_LEVEL);
    }
}
