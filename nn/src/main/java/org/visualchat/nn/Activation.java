package org.visualchat.nn;

import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Variable;

/** The hidden activations of the MLPs, by their Hugging Face config names ({@code hidden_act}). */
public enum Activation {
    GELU("gelu"), GELU_TANH("gelu_pytorch_tanh"), QUICK_GELU("quick_gelu"), SILU("silu"), RELU("relu");

    private final String configName;

    Activation(String configName) {
        this.configName = configName;
    }

    public Variable apply(Variable x) {
        return switch (this) {
            case GELU -> Activations.gelu(x);
            case GELU_TANH -> Activations.geluTanh(x);
            case QUICK_GELU -> Activations.quickGelu(x);
            case SILU -> Activations.silu(x);
            case RELU -> Activations.relu(x);
        };
    }

    /** Parses a Hugging Face {@code hidden_act} value. */
    public static Activation fromConfig(String name) {
        for (Activation a : values()) if (a.configName.equals(name)) return a;
        if (name.equals("gelu_new")) return GELU_TANH;   // HF's NewGELU is the tanh approximation
        throw new IllegalArgumentException("unknown hidden_act '" + name + "' (known: gelu, gelu_new, gelu_pytorch_tanh, quick_gelu, silu, relu)");
    }
}
