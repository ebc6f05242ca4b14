package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Joins;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.Embedding;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * HF {@code CLIPVisionEmbeddings}: [class_embedding; patch tokens] + position_embedding. At another
 * resolution than the native one the 16×16 (for CLIP-L/14-224) patch part of the position table is
 * resized bicubically to the new grid, CLS row kept, as HF's {@code interpolate_pos_encoding} does.
 */
final class ClipEmbeddings extends Module {
    private final Variable classEmbedding;
    private final PatchConv patchEmbedding;
    private final Embedding positionEmbedding;
    private final int grid;

    ClipEmbeddings(ClipVisionConfig c, long seed) {
        this.classEmbedding = parameter("class_embedding", Tensor.randn(seed, 1f, c.hiddenSize()));
        this.patchEmbedding = child("patch_embedding", new PatchConv(c.channels(), c.hiddenSize(), c.patchSize(), seed + 1));
        this.positionEmbedding = child("position_embedding", new Embedding(c.tokens(), c.hiddenSize(), seed + 2));
        this.grid = c.gridSize();
    }

    /** pixels [B, C, H, W] → [B, 1 + (H/p)·(W/p), D]. */
    Variable forward(Variable pixels, int gh, int gw) {
        Variable patches = patchEmbedding.forward(pixels);
        int b = patches.dim(0), d = patches.dim(2);
        Variable cls = Views.expand(Views.reshape(classEmbedding, 1, 1, d), b, 1, d);
        return Arith.add(Joins.concat(1, cls, patches), positions(gh, gw));
    }

    /** The position table for a gh×gw patch grid: [1 + gh·gw, D]. */
    private Variable positions(int gh, int gw) {
        Variable table = positionEmbedding.weight();
        if (gh == grid && gw == grid) return table;
        Variable cls = Views.narrow(table, 0, 0, 1);
        Variable patches = Views.narrow(table, 0, 1, grid * grid);
        return Joins.concat(0, cls, PositionInterpolation.resize(patches, grid, grid, gh, gw));
    }
}
