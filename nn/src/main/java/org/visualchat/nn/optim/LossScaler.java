package org.visualchat.nn.optim;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Dynamic loss scaling for fp16 training, DeepSpeed's {@code DynamicLossScaler}
 * (deepspeed/runtime/fp16/loss_scaler.py) with its FP16 optimizer's step rule. The loss is multiplied
 * by {@link #scale()} before backward so small gradients survive F16; before the optimizer step the
 * gradients are rounded to F16 — where DeepSpeed's fp16 engine holds them, so they overflow exactly
 * where its would — and either
 * <ul>
 *   <li>all are finite: they are divided by the scale (in F32) and the step is taken; after
 *       {@code window} consecutive clean steps since the last overflow the scale doubles;</li>
 *   <li>some is inf/NaN: the step is skipped (the caller also skips its LR-scheduler step, as
 *       DeepSpeed does) and the scale halves — but with hysteresis h, only once h overflows have been
 *       seen since the scale last grew (the first h − 1 just use up the hysteresis); never below
 *       {@code minScale}; an overflow at the minimum is an error, as in DeepSpeed.</li>
 * </ul>
 * (DeepSpeed's {@code consecutive_hysteresis} option, off by default, is not offered.)
 *
 * <pre>{@code
 * LossScaler scaler = new LossScaler(LossScaler.Settings.deepSpeed().withWindow(100));   // the reference's ds config
 * Arith.mul(loss, (float) scaler.scale()).backward();
 * if (scaler.unscaleOrSkip(params)) { GradClip.clipGlobalNorm(params, 1.0); optimizer.step(); scheduler.step(); }
 * optimizer.zeroGrad();
 * }</pre>
 */
public final class LossScaler {
    /**
     * DeepSpeed's fp16 config: {@code 2^initial_scale_power}, {@code loss_scale_window},
     * {@code hysteresis}, {@code min_loss_scale}.
     */
    public record Settings(double initialScale, int window, int hysteresis, double minScale) {
        public Settings {
            if (!(initialScale >= minScale) || !(minScale > 0)) throw new IllegalArgumentException("loss scale: need initial scale >= min scale > 0, got " + initialScale + ", " + minScale);
            if (window < 1 || hysteresis < 1) throw new IllegalArgumentException("loss scale window and hysteresis must be >= 1, got " + window + ", " + hysteresis);
        }

        /** DeepSpeed's defaults: initial scale 2^16, window 1000, hysteresis 2, minimum 1. */
        public static Settings deepSpeed() {
            return new Settings(65536, 1000, 2, 1);
        }

        public Settings withWindow(int window) {
            return new Settings(initialScale, window, hysteresis, minScale);
        }
    }

    private final Settings settings;
    private double scale;
    private long iteration;
    private long lastOverflow = -1;
    private int hysteresisLeft;
    private long skipped;

    public LossScaler(Settings settings) {
        this.settings = settings;
        this.scale = settings.initialScale();
        this.hysteresisLeft = settings.hysteresis();
    }

    /** The factor the loss is multiplied by before backward. */
    public double scale() { return scale; }

    /** Steps skipped for overflow so far. */
    public long skippedSteps() { return skipped; }

    /**
     * Rounds every gradient to F16 and checks it; if all are finite, replaces each by its F32 value
     * divided by the scale and returns true (take the step). Otherwise leaves the gradients and returns
     * false (skip the step). Either way the scale is updated for the next iteration.
     */
    public boolean unscaleOrSkip(Collection<Variable> params) {
        return unscaleOrSkip(params, overflow -> overflow);
    }

    /**
     * Data parallel: {@code params} hold this rank's reduced gradients (whole, or its shards of them) and
     * {@code anyRank.test(overflowHere)} tells whether any rank found an overflow (a MAX all-reduce of the flag,
     * as DeepSpeed's fp16 optimizers do), so every rank takes or skips the step together and the scale
     * stays the same on every rank.
     */
    public boolean unscaleOrSkip(Collection<Variable> params, Predicate<Boolean> anyRank) {
        boolean local = false;
        for (Variable p : params) {
            if (p.grad() != null && !finiteInF16(p.grad())) {
                local = true;
                break;
            }
        }
        boolean overflow = anyRank.test(local);
        if (!overflow) {
            float inverse = (float) (1 / scale);
            for (Variable p : params) if (p.grad() != null) p.setGrad(unscaled(p.grad(), inverse));
        }
        update(overflow);
        return !overflow;
    }

    /** DeepSpeed's {@code update_scale}. */
    void update(boolean overflow) {
        if (overflow) {
            skipped++;
            if (settings.hysteresis() == 1 || hysteresisLeft == 1) {
                if (scale == settings.minScale()) {
                    throw new IllegalStateException("fp16 gradient overflow at the minimum loss scale " + scale
                            + ": the gradients are not finite even unscaled (diverged, or use --precision bf16/fp32)");
                }
                scale = Math.max(scale / 2, settings.minScale());
            } else {
                hysteresisLeft--;
            }
            lastOverflow = iteration;
        } else if ((iteration - lastOverflow) % settings.window() == 0) {
            hysteresisLeft = settings.hysteresis();
            scale *= 2;
        }
        iteration++;
    }

    /** The state to checkpoint, as named longs (the scale by its bits). */
    public Map<String, Long> state() {
        return Map.of("loss_scale", Double.doubleToLongBits(scale), "loss_scale_iteration", iteration,
                "loss_scale_last_overflow", lastOverflow, "loss_scale_hysteresis", (long) hysteresisLeft, "loss_scale_skipped", skipped);
    }

    /** Restores {@link #state()}; every key must be present. */
    public void load(Map<String, Long> state) {
        for (String key : state().keySet()) {
            if (!state.containsKey(key)) throw new IllegalArgumentException("the checkpoint has no fp16 loss-scaler state '" + key + "' (was it written by a run with another precision?)");
        }
        scale = Double.longBitsToDouble(state.get("loss_scale"));
        iteration = state.get("loss_scale_iteration");
        lastOverflow = state.get("loss_scale_last_overflow");
        hysteresisLeft = Math.toIntExact(state.get("loss_scale_hysteresis"));
        skipped = state.get("loss_scale_skipped");
    }

    private static boolean finiteInF16(Tensor grad) {
        MemorySegment g = ParamBuffer.f32(grad);
        for (long i = 0, n = grad.numel(); i < n; i++) {
            if (!Float.isFinite(HalfFloats.f16ToFloat(HalfFloats.floatToF16(g.getAtIndex(Storage.F32, i))))) return false;
        }
        return true;
    }

    private static Tensor unscaled(Tensor grad, float inverse) {
        MemorySegment g = ParamBuffer.f32(grad);
        float[] out = new float[Math.toIntExact(grad.numel())];
        for (int i = 0; i < out.length; i++) out[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(g.getAtIndex(Storage.F32, i))) * inverse;
        return Tensor.of(out, grad.shape());
    }
}
