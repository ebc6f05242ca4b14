package org.visualchat.parallel;

/** Element-wise reductions. 16-bit inputs are reduced in F32 and rounded once per hop. */
public enum ReduceOp {
    SUM, AVG, MAX, MIN
}
