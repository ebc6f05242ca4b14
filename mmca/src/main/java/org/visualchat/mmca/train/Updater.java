package org.visualchat.mmca.train;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.checkpoint.TrainingState;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the {@link Trainer} turns micro-step losses into parameter updates and checkpoints: on one process
 * ({@link LocalUpdater}: AdamW, global-norm clipping, one checkpoint file) or data-parallel under ZeRO
 * ({@link ZeroUpdater}). The trainer's loop is the same for both.
 */
interface Updater extends AutoCloseable {
    /** This process's rank among the data-parallel ranks (0 on one process). */
    int rank();

    int world();

    /** Backpropagates one micro-step's (already accumulation-scaled) loss; {@code lastMicroStep}: {@link #step()} follows. */
    void backward(Variable loss, boolean lastMicroStep);

    /** Clips, updates, advances the schedule and clears the gradients (an fp16 overflow skips the update and the schedule). */
    void step();

    /** The learning rate the next {@link #step()} uses (first parameter group). */
    double lr();

    /** The mean of {@code value} over ranks (a collective under data parallelism). */
    double mean(double value);

    /** The sum of {@code value} over ranks. */
    double sum(double value);

    /** Whether {@code flag} holds on any rank (a collective under data parallelism). */
    boolean anyRank(boolean flag);

    /**
     * Whether this micro-step must be skipped because some ranks' batches have images and others' do not: under
     * ZeRO-3 only ranks with images would gather the projection (a collective under ZeRO-3; false otherwise).
     */
    boolean imagesOnSomeRanksOnly(boolean hasImages);

    /** Restores model, optimizer and schedule from {@code outputDir}'s checkpoint; null when there is none. */
    TrainingState resume(Path outputDir) throws IOException;

    /** Writes a resumable checkpoint into {@code outputDir} (atomically; a collective under data parallelism). */
    void checkpoint(Path outputDir, TrainingState state) throws IOException;

    /** Writes the trainable parameters, whole, under their names (rank 0 writes; a collective under data parallelism). */
    void saveTrainable(Path file) throws IOException;

    @Override
    void close();
}
