package org.visualchat.mmca.eval;

import java.util.List;

/** One named conversation of an eval file; each case starts a fresh chat (images numbered from 1). */
public record EvalCase(String name, List<EvalRound> rounds) {
    public EvalCase {
        rounds = List.copyOf(rounds);
    }
}
