package org.visualchat.parallel.transport;

import org.visualchat.parallel.Collective;
import org.visualchat.tensor.DType;
import org.visualchat.parallel.wire.FrameHeader;
import org.visualchat.parallel.wire.Op;
import org.visualchat.parallel.wire.WireDType;

/**
 * The fingerprint of one collective call (distributed.md §4.3): every DATA frame carries it and the
 * receiver compares it with its own call, so ranks that disagree fail with both calls named instead of
 * hanging. {@code root} is the broadcast root or the point-to-point tag; {@code layout} hashes the split.
 */
public record Call(Collective op, DType dtype, long count, int root, long layout, long seq) {

    public Call {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("collectives support F32 and BF16 buffers, got " + dtype);
        }
    }

    FrameHeader.Builder header(int chunk) {
        return FrameHeader.newBuilder().setOp(Op.valueOf(op.name())).setDtype(WireDType.valueOf(dtype.name()))
                .setCount(count).setRoot(root).setLayout(layout).setSeq(seq).setChunk(chunk);
    }

    boolean matches(FrameHeader h) {
        return h.getSeq() == seq && h.getOp().name().equals(op.name()) && h.getDtype().name().equals(dtype.name())
                && h.getCount() == count && h.getRoot() == root && h.getLayout() == layout;
    }

    /** E.g. {@code ALL_REDUCE(F32, 1000003) seq 12}. */
    @Override
    public String toString() {
        return describe(op.name(), dtype.name(), count, root, seq);
    }

    static String describe(FrameHeader h) {
        return describe(h.getOp().name(), h.getDtype().name(), h.getCount(), h.getRoot(), h.getSeq());
    }

    private static String describe(String op, String dtype, long count, int root, long seq) {
        String extra = switch (op) {
            case "BROADCAST" -> ", root " + root;
            case "SEND_RECV" -> ", tag " + root;
            default -> "";
        };
        return op + "(" + dtype + ", " + count + extra + ") seq " + seq;
    }
}
