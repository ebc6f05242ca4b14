package org.visualchat.nn;

import org.visualchat.autograd.Variable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies LoRA the way the reference does (reference §5.3, DeepSpeed-Chat {@code convert_linear_layer_to_lora}):
 * every {@link Linear} whose module name matches gets an adapter and its base weight frozen (its bias
 * is left as it was).
 *
 * <pre>{@code
 * Lora.apply(model, NamePattern.contains("model.layers."), 128, 1f, seed);   // rank 128, alpha 1 → scale 1/128
 * Lora.onlyOptimizeLora(model.namedModules().get("model"));                           // --only_optimize_lora
 * Lora.merge(model); save(...); Lora.unmerge(model);
 * }</pre>
 */
public final class Lora {
    private Lora() {}

    /** Attaches adapters to matching Linears; returns the names of the wrapped modules. */
    public static List<String> apply(Module root, NamePattern moduleNames, int rank, float alpha, long seed) {
        List<String> wrapped = new ArrayList<>();
        long s = seed;
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            if (e.getValue() instanceof Linear linear && moduleNames.test(e.getKey())) {
                linear.attachLora(new LoraAdapter(linear, rank, alpha, s++));
                linear.weight().setRequiresGrad(false);
                wrapped.add(e.getKey());
            }
        }
        return wrapped;
    }

    /** Freezes every parameter of {@code subtree} except the LoRA factors. */
    public static void onlyOptimizeLora(Module subtree) {
        for (Map.Entry<String, Variable> e : subtree.namedParameters().entrySet()) {
            String n = e.getKey();
            e.getValue().setRequiresGrad(n.endsWith("lora_right_weight") || n.endsWith("lora_left_weight"));
        }
    }

    public static void merge(Module root) {
        for (LoraAdapter a : adapters(root)) a.merge();
    }

    public static void unmerge(Module root) {
        for (LoraAdapter a : adapters(root)) a.unmerge();
    }

    private static List<LoraAdapter> adapters(Module root) {
        List<LoraAdapter> out = new ArrayList<>();
        for (Module m : root.namedModules().values()) if (m instanceof Linear l && l.lora() != null) out.add(l.lora());
        return out;
    }
}
