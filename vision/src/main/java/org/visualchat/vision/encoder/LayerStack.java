package org.visualchat.vision.encoder;

import org.visualchat.nn.Module;
import org.visualchat.nn.ModuleList;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A module whose only part is a list of blocks under one name: HF CLIP's {@code encoder.layers.N} and
 * QWen-VL's {@code transformer.resblocks.N}.
 */
final class LayerStack<M extends Module> extends Module {
    private final ModuleList<M> blocks;

    LayerStack(String listName, int count, IntFunction<M> factory) {
        this.blocks = child(listName, new ModuleList<>(count, factory));
    }

    List<M> blocks() { return blocks.items(); }
}
