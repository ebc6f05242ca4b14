package org.visualchat.opencl.models;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Attention;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.tensor.Tensor;

/** A test policy stated as two branch masks; its CPU rule is the two masked softmaxes summed, composed from tape ops. */
interface TwoBranchMasks extends MaskedAttentionPolicy {
    @Override
    default Variable attend(Variable q, Variable k, Variable v) {
        Tensor[] m = branchMasks(q.dim(2), k.dim(2));
        Variable scores = Attention.scores(q, k);
        return Attention.mix(Arith.add(Normalization.softmax(scores, m[0]), Normalization.softmax(scores, m[1])), v);
    }
}
