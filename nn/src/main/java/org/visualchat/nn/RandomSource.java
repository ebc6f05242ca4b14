package org.visualchat.nn;

/**
 * A module that draws random numbers (dropout). Its generator state can be read and restored, which
 * activation checkpointing needs (the recomputed forward must draw the same masks) and which a
 * training checkpoint saves so a resumed run continues bit-identically.
 */
public interface RandomSource {
    long randomState();

    void setRandomState(long state);
}
