package org.visualchat.mmca.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A dataset whose items are {@link RandomGrouping groups} of annotations, each annotation rendered into one part
 * and the parts joined by {@link Conversation#concat} — the original {@code VQADataset} machinery. The grouping is
 * drawn once, at construction, from {@code seed} (the original: once per run, after {@code set_random_seed}).
 *
 * @param <A> one annotation (a parsed JSON object, or a richer record)
 */
public final class GroupedDataset<A> implements ConversationDataset {
    /** Renders one annotation into one part of a sample. */
    @FunctionalInterface
    public interface Renderer<A> {
        Conversation render(A annotation, String id, RandomGenerator random) throws BadSampleException;
    }

    private final String name;
    private final List<A> annotations;
    private final List<int[]> groups;
    private final Renderer<A> renderer;

    /**
     * @param maxGroupSize the original's {@code --dataset_concatenate_samples} for this dataset (llava 3,
     *                     llava_dial 2 in the paper's mixture; 1 keeps annotations apart)
     */
    public GroupedDataset(String name, List<A> annotations, int maxGroupSize, long seed, Renderer<A> renderer) {
        this.name = name;
        // Not List.copyOf: a JSON null item must reach the renderer (a counted bad sample), not fail the open.
        this.annotations = Collections.unmodifiableList(new ArrayList<>(annotations));
        this.groups = RandomGrouping.groups(annotations.size(), maxGroupSize, new SplittableRandom(seed));
        this.renderer = renderer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return groups.size();
    }

    /** Annotation indices of item {@code index}, in order. */
    public int[] group(int index) {
        return groups.get(index).clone();
    }

    @Override
    public Conversation get(int index, RandomGenerator random) throws BadSampleException {
        int[] group = groups.get(index);
        String id = name + "[" + index + "]";
        if (group.length == 1) return renderer.render(annotations.get(group[0]), id, random);
        List<Conversation> parts = new ArrayList<>(group.length);
        for (int a : group) parts.add(renderer.render(annotations.get(a), id, random));
        return Conversation.concat(id, parts);
    }
}
