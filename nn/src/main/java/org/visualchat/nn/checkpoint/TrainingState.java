package org.visualchat.nn.checkpoint;

import java.util.Map;

/**
 * Where a training run stands, besides model and optimizer: optimizer steps taken, the data loader's
 * position (samples or batches consumed, as the caller counts them), and named long-valued states of
 * the loop itself (e.g. the data shuffler's generator, the fp16 loss scaler); module generators
 * (dropout) are saved separately.
 */
public record TrainingState(long step, long dataPosition, Map<String, Long> rng) {
    public TrainingState {
        rng = Map.copyOf(rng);
    }
}
