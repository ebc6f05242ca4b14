package org.visualchat.nn.checkpoint;

import java.util.Map;

/**
 * Where a training run stands, besides model and optimizer: optimizer steps taken, the data loader's
 * position (samples or batches consumed, as the caller counts them), named long-valued states of the
 * loop's own random generators (e.g. the data shuffler's), and the fp16 loss scaler's state
 * ({@link org.visualchat.nn.optim.LossScaler#state()}, empty unless the run trains in fp16). Module
 * generators (dropout) are saved separately.
 */
public record TrainingState(long step, long dataPosition, Map<String, Long> rng, Map<String, Long> lossScaler) {
    public TrainingState {
        rng = Map.copyOf(rng);
        lossScaler = Map.copyOf(lossScaler);
    }

    /** No loop generators and no loss scaler. */
    public TrainingState(long step, long dataPosition) {
        this(step, dataPosition, Map.of(), Map.of());
    }
}
