package org.visualchat.nn.optim;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.NamePattern;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share a learning rate and weight decay. {@code baseLr} is the peak rate a schedule
 * scales; {@link #lr()} is the rate the next step uses.
 */
public final class ParamGroup {
    private final String name;
    private final Map<String, Variable> params;
    private final double baseLr;
    private final double weightDecay;
    private double lr;

    public ParamGroup(String name, Map<String, Variable> params, double lr, double weightDecay) {
        this.name = name;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.baseLr = lr;
        this.lr = lr;
        this.weightDecay = weightDecay;
    }

    public String name() { return name; }
    public Map<String, Variable> params() { return params; }
    public double baseLr() { return baseLr; }
    public double weightDecay() { return weightDecay; }
    public double lr() { return lr; }
    public void setLr(double lr) { this.lr = lr; }

    /**
     * The reference's four groups (reference §5.2, {@code get_optimizer_grouped_parameters}):
     * {decay, no decay} × {lr, embedLr}, where "no decay" names match {@code noDecay} (reference: contain
     * {@code bias} or {@code LayerNorm.weight}) and "embed" names match {@code embed} (reference: contain
     * {@code embed}). Empty groups are left out.
     */
    public static List<ParamGroup> split(Map<String, Variable> trainable, double lr, double embedLr, double weightDecay,
                                         NamePattern noDecay, NamePattern embed) {
        List<ParamGroup> groups = new ArrayList<>();
        for (boolean isEmbed : new boolean[] {false, true}) {
            for (boolean decays : new boolean[] {true, false}) {
                Map<String, Variable> members = new LinkedHashMap<>();
                trainable.forEach((n, p) -> {
                    if (embed.test(n) == isEmbed && noDecay.test(n) != decays) members.put(n, p);
                });
                if (!members.isEmpty()) {
                    groups.add(new ParamGroup((isEmbed ? "embed" : "main") + (decays ? "" : "-no-decay"), members,
                            isEmbed ? embedLr : lr, decays ? weightDecay : 0));
                }
            }
        }
        return groups;
    }

    /** {@link #split} with the reference's name rules. */
    public static List<ParamGroup> reference(Map<String, Variable> trainable, double lr, double embedLr, double weightDecay) {
        return split(trainable, lr, embedLr, weightDecay,
                NamePattern.regex(".*(bias|LayerNorm\\.weight).*"), NamePattern.contains("embed"));
    }
}
