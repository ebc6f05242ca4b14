package org.visualchat.mmca.demo.world;

/**
 * Train / held-out membership decided by the scene itself (a hash of its shapes), not by the random stream
 * that drew it: a held-out conversation only shows scenes that no training conversation can contain, so
 * held-out accuracy measures generalisation to unseen images, not memory. One scene in eight is held out.
 */
public enum Split {
    TRAIN, HELD_OUT;

    public static Split of(Scene scene) {
        long h = 0x9E3779B97F4A7C15L;
        for (Shape s : scene.shapes()) {
            int code = ((s.cell().ordinal() * 4 + s.kind().ordinal()) * 4 + s.colour().ordinal()) * 2 + s.size().ordinal();
            h = (h ^ code) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return Math.floorMod(h, 8) == 0 ? HELD_OUT : TRAIN;
    }
}
