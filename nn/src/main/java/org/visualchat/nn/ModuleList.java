package org.visualchat.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;

/** An indexed list of modules named {@code 0, 1, 2, ...} (PyTorch {@code nn.ModuleList}: {@code layers.3.mlp}). */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public ModuleList(int count, IntFunction<M> factory) {
        for (int i = 0; i < count; i++) items.add(child(Integer.toString(i), factory.apply(i)));
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    public List<M> items() { return Collections.unmodifiableList(items); }
}
