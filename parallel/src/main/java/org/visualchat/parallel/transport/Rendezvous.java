package org.visualchat.parallel.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.visualchat.parallel.DistributedException;
import org.visualchat.parallel.GroupOptions;
import org.visualchat.parallel.wire.Endpoint;
import org.visualchat.parallel.wire.Join;
import org.visualchat.parallel.wire.Roster;

/**
 * Address exchange through rank 0, the store-like step of Gloo's connectFullMesh (distributed.md §4.1,
 * §6.2): rank 0 listens on MASTER_ADDR:MASTER_PORT; every rank (rank 0 included) sends a signed
 * {@link Join} with its data address and receives the {@link Roster} of all ranks once everyone joined,
 * or an error naming the ranks that never came.
 */
final class Rendezvous {
    private static final System.Logger LOG = System.getLogger(Rendezvous.class.getName());
    private static final int JOIN_READ_MILLIS = 2000;

    private Rendezvous() {}

    /** Binds rank 0's listener now (so a port clash fails fast) and serves it on a daemon thread. */
    static void serve(GroupOptions o, long deadlineNanos) {
        ServerSocket ss;
        try {
            ss = new ServerSocket();
            ss.setReuseAddress(true);
            InetAddress master = InetAddress.getByName(o.masterAddr());
            ss.bind(new InetSocketAddress(master.isLoopbackAddress() ? master : null, o.masterPort()), o.worldSize());
        } catch (IOException e) {
            throw new DistributedException(DistributedException.Kind.RENDEZVOUS, "rank 0 cannot listen on MASTER_ADDR:MASTER_PORT "
                    + o.masterAddr() + ":" + o.masterPort() + ": " + e.getMessage(), e);
        }
        Thread t = new Thread(() -> collect(o, ss, deadlineNanos), "vc-rendezvous");
        t.setDaemon(true);
        t.start();
    }

    private static void collect(GroupOptions o, ServerSocket ss, long deadlineNanos) {
        Socket[] joined = new Socket[o.worldSize()];
        Endpoint[] endpoints = new Endpoint[o.worldSize()];
        int count = 0;
        try (ss) {
            while (count < o.worldSize()) {
                long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                ss.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                Socket s;
                try {
                    s = ss.accept();
                } catch (SocketTimeoutException e) {
                    break;
                }
                int r = admit(o, s, joined, endpoints);
                if (r >= 0) count++;
            }
            Roster.Builder roster = Roster.newBuilder();
            if (count == o.worldSize()) {
                for (Endpoint e : endpoints) roster.addEndpoints(e);
            } else {
                List<Integer> missing = new ArrayList<>();
                for (int r = 0; r < joined.length; r++) if (joined[r] == null) missing.add(r);
                roster.setError(count + "/" + o.worldSize() + " ranks joined the rendezvous at " + o.masterAddr() + ":"
                        + o.masterPort() + " within " + o.timeout().multipliedBy(5).toMillis() + " ms; missing ranks " + missing);
            }
            for (Socket s : joined) if (s != null) reply(s, roster.build());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "rendezvous server failed", e);
        }
    }

    /** Reads one Join; returns its rank if admitted, -1 if refused (connection closed, reason logged). */
    private static int admit(GroupOptions o, Socket s, Socket[] joined, Endpoint[] endpoints) {
        String from = String.valueOf(s.getRemoteSocketAddress());
        try {
            s.setSoTimeout(JOIN_READ_MILLIS);
            Join j = Join.parseDelimitedFrom(s.getInputStream());
            String problem = j == null ? "no Join message" : check(o, j, joined);
            if (problem != null) {
                LOG.log(System.Logger.Level.WARNING, "rendezvous refused " + from + ": " + problem);
                if (j != null && problem.startsWith("!")) reply(s, Roster.newBuilder().setError(problem.substring(1)).build());
                s.close();
                return -1;
            }
            joined[j.getRank()] = s;
            endpoints[j.getRank()] = Endpoint.newBuilder().setHost(j.getHost()).setPort(j.getPort()).build();
            return j.getRank();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "rendezvous refused " + from + ": " + e.getMessage());
            try { s.close(); } catch (IOException ignored) { /* already failed */ }
            return -1;
        }
    }

    /** Null if acceptable; a reason otherwise ('!' prefix: the client proved the secret, so tell it why). */
    private static String check(GroupOptions o, Join j, Socket[] joined) {
        byte[] mac = Hmac.sign(o.secret(), "join", j.getRunId(), j.getRank(), j.getWorldSize(), j.getHost(), j.getPort());
        if (!Hmac.verify(mac, j.getMac().toByteArray())) return "bad HMAC (wrong VC_DIST_SECRET?) claiming rank " + j.getRank();
        if (!j.getRunId().equals(o.runId())) return "!run id '" + j.getRunId() + "' differs from rank 0's '" + o.runId() + "'";
        if (j.getWorldSize() != o.worldSize()) {
            return "!rank " + j.getRank() + " has WORLD_SIZE " + j.getWorldSize() + " but rank 0 has " + o.worldSize();
        }
        if (j.getRank() < 0 || j.getRank() >= o.worldSize()) return "!rank " + j.getRank() + " outside [0, " + o.worldSize() + ")";
        if (joined[j.getRank()] != null) return "!rank " + j.getRank() + " joined twice (two processes with the same RANK?)";
        return null;
    }

    private static void reply(Socket s, Roster r) {
        try (s) {
            r.writeDelimitedTo(s.getOutputStream());
            s.getOutputStream().flush();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "rendezvous could not answer " + s.getRemoteSocketAddress() + ": " + e.getMessage());
        }
    }

    /** Joins and returns every rank's data address, indexed by rank. */
    static List<InetSocketAddress> join(GroupOptions o, int dataPort, long deadlineNanos) {
        String where = o.masterAddr() + ":" + o.masterPort();
        IOException last = null;
        while (System.nanoTime() < deadlineNanos) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(o.masterAddr(), o.masterPort()), millisLeft(deadlineNanos));
                String host = o.advertiseHost() != null ? o.advertiseHost() : s.getLocalAddress().getHostAddress();
                int port = o.advertisePort() != 0 ? o.advertisePort() : dataPort;
                Join.newBuilder().setRank(o.rank()).setWorldSize(o.worldSize()).setRunId(o.runId()).setHost(host).setPort(port)
                        .setMac(com.google.protobuf.ByteString.copyFrom(
                                Hmac.sign(o.secret(), "join", o.runId(), o.rank(), o.worldSize(), host, port)))
                        .build().writeDelimitedTo(s.getOutputStream());
                s.getOutputStream().flush();
                s.setSoTimeout(millisLeft(deadlineNanos) + JOIN_READ_MILLIS);
                Roster r = Roster.parseDelimitedFrom(s.getInputStream());
                if (r == null) throw fail(o, "the rendezvous at " + where + " closed without an answer (refused: wrong VC_DIST_SECRET?)");
                if (!r.getError().isEmpty()) throw fail(o, r.getError());
                List<InetSocketAddress> out = new ArrayList<>();
                for (Endpoint e : r.getEndpointsList()) out.add(InetSocketAddress.createUnresolved(e.getHost(), e.getPort()));
                return out;
            } catch (SocketTimeoutException e) {
                throw fail(o, "no answer from the rendezvous at " + where + " within the deadline");
            } catch (IOException e) {
                last = e;
                pause(o, 100);
            }
        }
        throw fail(o, "could not reach the rendezvous at " + where + " (rank 0) within " + o.timeout().multipliedBy(5).toMillis()
                + " ms" + (last == null ? "" : ": " + last.getMessage()));
    }

    private static DistributedException fail(GroupOptions o, String msg) {
        return new DistributedException(DistributedException.Kind.RENDEZVOUS, "rank " + o.rank() + ": " + msg);
    }

    private static int millisLeft(long deadlineNanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadlineNanos - System.nanoTime()) / 1_000_000));
    }

    /** Waits before the next try; an interrupt (the caller giving up on the group) ends the join at once. */
    private static void pause(GroupOptions o, long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedException(DistributedException.Kind.ABORTED, "rank " + o.rank() + ": interrupted while joining the rendezvous", e);
        }
    }
}
