package org.visualchat.nn.optim;

import org.visualchat.tensor.Tensor;

import java.util.Map;

/**
 * What an optimizer must save to resume exactly: per-parameter tensors (moments, momentum buffers, F32
 * master weights) keyed {@code <param name>.<slot>}, and integer counters (per-parameter step counts).
 */
public record OptimizerState(Map<String, Tensor> tensors, Map<String, Long> counters) {}
