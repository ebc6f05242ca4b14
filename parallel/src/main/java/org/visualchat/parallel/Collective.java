package org.visualchat.parallel;

/** The operations a {@link ProcessGroup} runs; named in fingerprints, errors and {@link CommStats}. */
public enum Collective {
    BROADCAST, ALL_REDUCE, REDUCE_SCATTER, ALL_GATHER, BARRIER, SEND_RECV
}
