package org.visualchat.mmca.train;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.LossScaler;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code --precision} of the trainable parameters (reference §5.1–5.2: the original trains in DeepSpeed
 * fp16 or bf16). Compute and accumulation stay F32 and AdamW keeps F32 masters in every mode (nn.optim).
 * <ul>
 *   <li>{@code fp32}: nothing changes.</li>
 *   <li>{@code bf16}: the parameters are stored as BF16.</li>
 *   <li>{@code fp16}: the parameters are stored as F16 and the loss is scaled by DeepSpeed's dynamic
 *       {@link LossScaler} with the reference's ds config ({@code loss_scale_window} 100, DeepSpeed's
 *       defaults otherwise: initial scale 2^16, hysteresis 2, minimum 1); gradients are checked in F16, an
 *       overflowing step is skipped — optimizer and LR schedule both — and the scale adapts.</li>
 * </ul>
 */
final class Precision {
    /** The reference's {@code ds_utils.get_train_ds_config}: {@code "fp16": {"enabled": true, "loss_scale_window": 100}}. */
    static final LossScaler.Settings REFERENCE_FP16 = LossScaler.Settings.deepSpeed().withWindow(100);

    private final DType dtype;
    private final LossScaler scaler;

    private Precision(DType dtype, LossScaler scaler) {
        this.dtype = dtype;
        this.scaler = scaler;
    }

    static Precision of(String name) {
        return switch (name) {
            case "fp32" -> new Precision(DType.F32, null);
            case "bf16" -> new Precision(DType.BF16, null);
            case "fp16" -> new Precision(DType.F16, new LossScaler(REFERENCE_FP16));
            default -> throw new IllegalArgumentException("precision must be fp32, bf16 or fp16, got '" + name + "'");
        };
    }

    /** Stores the parameters in this precision. */
    void cast(Collection<Variable> params) {
        if (dtype == DType.F32) return;
        for (Variable p : params) p.setValue(p.value().to(dtype));
    }

    /** {@code t} as the parameters are stored in this precision. */
    Tensor stored(Tensor t) {
        return t.to(dtype);
    }

    /** What the loss is multiplied by before backward: the loss scale (1 unless fp16). */
    float lossFactor() {
        return scaler == null ? 1f : (float) scaler.scale();
    }

    /**
     * Before an optimizer step: true to take it (gradients now unscaled), false to skip it (fp16
     * overflow on any rank — {@code anyRank} agrees on the flag, see {@link LossScaler#unscaleOrSkip(Collection, Predicate)}
     * — reported on {@code console} as DeepSpeed does).
     */
    boolean unscaleOrSkip(Collection<Variable> params, PrintStream console, Predicate<Boolean> anyRank) {
        if (scaler == null) return true;
        double attempted = scaler.scale();
        boolean take = scaler.unscaleOrSkip(params, anyRank);
        if (!take) {
            console.printf(Locale.ROOT, "%nfp16 gradient overflow: skipping step, loss scale %.0f -> %.0f%n", attempted, scaler.scale());
        }
        return take;
    }

    /** The loss scaler's state for the checkpoint (empty unless fp16). */
    Map<String, Long> state() {
        return scaler == null ? Map.of() : scaler.state();
    }

    /** Restores {@link #state()} from a checkpoint. */
    void load(Map<String, Long> state) {
        if (scaler != null) scaler.load(state);
    }
}
