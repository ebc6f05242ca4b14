package org.visualchat.parallel;

/**
 * A process-group failure. Once one is raised the group is broken on every rank (the failing rank sends
 * an abort to all peers) and must be rebuilt, as with Gloo and NCCL communicators.
 */
public final class DistributedException extends RuntimeException {
    /** What went wrong; tests and supervisors branch on this, users read the message. */
    public enum Kind {
        /** A wait ran past the operation timeout; the message names the rank that never answered. */
        TIMEOUT,
        /** A peer's connection closed or failed; the message names the peer rank and address. */
        PEER_CLOSED,
        /** A frame failed its CRC32C or could not be parsed. */
        CORRUPT_FRAME,
        /** Ranks called different collectives (op, dtype, count, root or split) at the same sequence number. */
        MISMATCH,
        /** A peer failed the shared-secret handshake. */
        AUTH,
        /** Another rank failed and aborted the group. */
        ABORTED,
        /** Rendezvous at MASTER_ADDR:MASTER_PORT failed. */
        RENDEZVOUS,
        /** The caller passed arguments that cannot work (sizes, dtype, rank). */
        MISUSE
    }

    private final Kind kind;

    public DistributedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DistributedException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
