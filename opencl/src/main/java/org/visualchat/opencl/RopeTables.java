package org.visualchat.opencl;

import org.visualchat.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Device-resident cos/sin tables [positions, D/2] for RoPE, one per (θ, D), uploaded once and grown
 * by doubling. Angles p·θ^(−2i/D) are formed in double and rounded once, exactly as the CPU
 * {@code RopeTable} does, so both backends rotate by the same floats (a float32 angle would be off by
 * ~2.5e-4 rad at position 4096). Tables allocated inside a scope are rebuilt after it closes.
 */
final class RopeTables {
    private record Key(float theta, int headDim) {}

    record Table(DeviceTensor cos, DeviceTensor sin, int capacity) {}

    private final Map<Key, Table> cache = new HashMap<>();

    Table get(OpenClBackend backend, float theta, int headDim, long maxPosition) {
        Key key = new Key(theta, headDim);
        Table t = cache.get(key);
        if (t != null && t.capacity > maxPosition && backend.isLive(t.cos)) return t;
        int capacity = (int) Math.max(64, Long.highestOneBit(Math.max(1, maxPosition)) * 2);
        int half = headDim / 2;
        float[] cos = new float[capacity * half], sin = new float[capacity * half];
        for (int p = 0; p < capacity; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(theta, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        t = new Table(backend.upload(Tensor.of(cos, capacity, half)), backend.upload(Tensor.of(sin, capacity, half)), capacity);
        cache.put(key, t);
        return t;
    }
}
