package org.visualchat.parallel;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a rank needs to join a {@link ProcessGroup}. {@link #fromEnv(Map)} reads the torchrun
 * contract (distributed.md §6.2): RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, LOCAL_RANK, plus
 * VC_DIST_SECRET (shared secret for the HMAC handshake), VC_DIST_TIMEOUT_MS, VC_DIST_RUN_ID.
 *
 * @param rank          this process's rank, 0 ≤ rank &lt; worldSize
 * @param worldSize     number of ranks
 * @param localRank     rank within this machine (informational: device/NUMA choice)
 * @param masterAddr    host of rank 0's rendezvous listener
 * @param masterPort    port of rank 0's rendezvous listener
 * @param secret        shared secret; peers that cannot prove they know it are refused
 * @param runId         distinguishes jobs sharing hosts and ports; part of the handshake
 * @param timeout       bound on every wait of a collective; rendezvous and connect get 5× this
 * @param bindHost      interface the data listener binds (null: 127.0.0.1 when the master is loopback, else all)
 * @param dataPort      port the data listener binds (0: ephemeral)
 * @param advertiseHost host other ranks connect to (null: the local address that routes to the master)
 * @param advertisePort port other ranks connect to (0: the bound data port)
 * @param segmentBytes  largest payload per frame; rings pipeline at this granularity
 * @param directMaxBytes messages up to this size use the one-step direct algorithms instead of rings
 * @param ioThreads     Netty event-loop threads of this rank
 */
public record GroupOptions(int rank, int worldSize, int localRank, String masterAddr, int masterPort, byte[] secret,
                           String runId, Duration timeout, String bindHost, int dataPort, String advertiseHost,
                           int advertisePort, int segmentBytes, int directMaxBytes, int ioThreads) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);
    public static final int DEFAULT_SEGMENT_BYTES = 1 << 20;
    public static final int DEFAULT_DIRECT_MAX_BYTES = 64 << 10;

    public GroupOptions {
        if (worldSize < 1) throw misuse("worldSize must be at least 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) throw misuse("rank must be in [0, " + worldSize + "), got " + rank);
        Objects.requireNonNull(masterAddr, "masterAddr");
        if (masterPort < 1 || masterPort > 65535) throw misuse("masterPort must be in [1, 65535], got " + masterPort);
        if (secret == null || secret.length < 8) throw misuse("the shared secret must have at least 8 bytes");
        if (timeout.isNegative() || timeout.isZero()) throw misuse("timeout must be positive, got " + timeout);
        if (segmentBytes < 1024 || segmentBytes > (64 << 20)) throw misuse("segmentBytes must be in [1 KiB, 64 MiB], got " + segmentBytes);
        if (directMaxBytes < 0) throw misuse("directMaxBytes must be non-negative, got " + directMaxBytes);
        if (ioThreads < 1) throw misuse("ioThreads must be positive, got " + ioThreads);
        secret = secret.clone();
    }

    /** Defaults for everything but identity, master and secret. */
    public static GroupOptions of(int rank, int worldSize, String masterAddr, int masterPort, byte[] secret) {
        return new GroupOptions(rank, worldSize, rank, masterAddr, masterPort, secret, "default", DEFAULT_TIMEOUT,
                null, 0, null, 0, DEFAULT_SEGMENT_BYTES, DEFAULT_DIRECT_MAX_BYTES, 2);
    }

    /** Reads the launcher contract; a missing or malformed variable is an error naming it. */
    public static GroupOptions fromEnv(Map<String, String> env) {
        int world = intVar(env, "WORLD_SIZE", null);
        int rank = intVar(env, "RANK", null);
        String master = env.get("MASTER_ADDR");
        if (master == null || master.isBlank()) throw misuse("environment variable MASTER_ADDR is not set");
        String secret = env.get("VC_DIST_SECRET");
        if (secret == null || secret.length() < 8) {
            throw misuse("environment variable VC_DIST_SECRET must hold the job's shared secret (at least 8 characters;"
                    + " `visualchat launch` generates one, or use e.g. `openssl rand -hex 32`)");
        }
        long timeoutMs = intVar(env, "VC_DIST_TIMEOUT_MS", (int) DEFAULT_TIMEOUT.toMillis());
        return new GroupOptions(rank, world, intVar(env, "LOCAL_RANK", rank), master, intVar(env, "MASTER_PORT", null),
                secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), env.getOrDefault("VC_DIST_RUN_ID", "default"),
                Duration.ofMillis(timeoutMs), null, 0, null, 0, DEFAULT_SEGMENT_BYTES, DEFAULT_DIRECT_MAX_BYTES, 2);
    }

    public GroupOptions withTimeout(Duration t) {
        return new GroupOptions(rank, worldSize, localRank, masterAddr, masterPort, secret, runId, t, bindHost, dataPort,
                advertiseHost, advertisePort, segmentBytes, directMaxBytes, ioThreads);
    }

    public GroupOptions withSecret(byte[] s) {
        return new GroupOptions(rank, worldSize, localRank, masterAddr, masterPort, s, runId, timeout, bindHost, dataPort,
                advertiseHost, advertisePort, segmentBytes, directMaxBytes, ioThreads);
    }

    /** Fixed data port and the address peers should use for it (e.g. behind a NAT or a proxy). */
    public GroupOptions withDataAddress(int port, String advHost, int advPort) {
        return new GroupOptions(rank, worldSize, localRank, masterAddr, masterPort, secret, runId, timeout, bindHost, port,
                advHost, advPort, segmentBytes, directMaxBytes, ioThreads);
    }

    public GroupOptions withAlgorithmSizes(int segment, int directMax) {
        return new GroupOptions(rank, worldSize, localRank, masterAddr, masterPort, secret, runId, timeout, bindHost, dataPort,
                advertiseHost, advertisePort, segment, directMax, ioThreads);
    }

    @Override
    public byte[] secret() { return secret.clone(); }

    @Override
    public String toString() {
        return "GroupOptions[rank=" + rank + ", worldSize=" + worldSize + ", master=" + masterAddr + ":" + masterPort
                + ", runId=" + runId + ", timeout=" + timeout + "]";
    }

    private static int intVar(Map<String, String> env, String name, Integer dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            if (dflt != null) return dflt;
            throw misuse("environment variable " + name + " is not set");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw misuse("environment variable " + name + " must be an integer, got '" + v + "'");
        }
    }

    private static DistributedException misuse(String msg) {
        return new DistributedException(DistributedException.Kind.MISUSE, msg);
    }
}
