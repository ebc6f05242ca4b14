package org.visualchat.nn;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the model tree: named parameters and named child modules. Full parameter names join the
 * path with dots exactly as PyTorch/Hugging Face do ({@code model.layers.0.self_attn.q_proj.weight}),
 * so a Hugging Face state dict maps onto {@link #namedParameters()} one to one.
 *
 * <p>Subclasses register their parts in the constructor with {@link #parameter} and {@link #child}
 * and define their own {@code forward} signature.
 */
public abstract class Module {
    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter initialised to {@code value}. */
    protected Variable parameter(String name, Tensor value) {
        return parameter(name, Variable.parameter(value));
    }

    /** Registers an existing parameter (shared with another part of the model, or built elsewhere). */
    protected Variable parameter(String name, Variable p) {
        checkName(name);
        parameters.put(name, p);
        return p;
    }

    /** Registers a child module. */
    protected <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    /**
     * Registers {@code other}'s own parameters and children as this module's, under the same names: for
     * a module built around another one whose original flattens that one's parts into its own state dict
     * (e.g. DeepSpeed-VisualChat's perceiver projection around QWen's resampler).
     */
    protected void adopt(Module other) {
        other.parameters.forEach(this::parameter);
        other.children.forEach(this::child);
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("a module part name must be non-empty without dots: '" + name + "'");
        if (parameters.containsKey(name) || children.containsKey(name)) throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
    }

    /** Every parameter of this subtree by full dotted name, in registration order (depth first). */
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Variable> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, m) -> m.collectParameters(prefix + n + ".", out));
    }

    /** This module (name "") and every descendant by full dotted name. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((n, m) -> m.collectModules(name.isEmpty() ? n : name + "." + n, out));
    }

    /** Parameters that currently require a gradient, by name. */
    public Map<String, Variable> trainableParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> { if (p.requiresGrad()) out.put(n, p); });
        return out;
    }

    /** Stops gradients for every parameter whose full name matches; returns how many matched. */
    public int freeze(NamePattern names) {
        return setRequiresGrad(names, false);
    }

    /** Re-enables gradients for every parameter whose full name matches; returns how many matched. */
    public int unfreeze(NamePattern names) {
        return setRequiresGrad(names, true);
    }

    private int setRequiresGrad(NamePattern names, boolean on) {
        int n = 0;
        for (Map.Entry<String, Variable> e : namedParameters().entrySet()) {
            if (names.test(e.getKey())) {
                e.getValue().setRequiresGrad(on);
                n++;
            }
        }
        return n;
    }

    /** Clears the gradient of every parameter. */
    public void zeroGrad() {
        for (Variable p : namedParameters().values()) p.zeroGrad();
    }

    /** Training mode (dropout active) or evaluation mode, for the whole subtree. */
    public void train(boolean on) {
        for (Module m : namedModules().values()) m.training = on;
    }

    public boolean isTraining() { return training; }

    /** Total element count of the parameters (all, or only trainable). */
    public long parameterCount(boolean trainableOnly) {
        long n = 0;
        for (Variable p : (trainableOnly ? trainableParameters() : namedParameters()).values()) n += p.value().numel();
        return n;
    }

    /** The modules of this subtree that draw random numbers (dropout), by name. */
    public Map<String, RandomSource> randomSources() {
        Map<String, RandomSource> out = new LinkedHashMap<>();
        namedModules().forEach((n, m) -> { if (m instanceof RandomSource r) out.put(n, r); });
        return out;
    }

    /** Parameters of this subtree as a list (for activation checkpointing and optimizers). */
    public List<Variable> parameterList() {
        return new ArrayList<>(namedParameters().values());
    }
}
