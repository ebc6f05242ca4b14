package org.visualchat.parallel.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.visualchat.parallel.Collective;
import org.visualchat.parallel.CommStats;
import org.visualchat.parallel.Launcher;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.tensor.DType;

/** Closing a group is an orderly TCP teardown, never a reset that a peer could take for a crash. */
class TeardownTest {

    @Test
    void leavingWithUnreadDataIsNoFailureForThePeer() throws Exception {
        int port = Launcher.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // Heartbeats (every timeout/4) keep both directions busy while one rank leaves. The op timeout also
            // bounds the connection set-up (5x, maybe in a cold JVM) and how long rank 1's close waits for rank 0
            // to read 8 MiB and answer (at most 2 s): 2 s leaves room for a loaded machine.
            Future<Transport> f0 = pool.submit(() -> Transport.open(LocalRanks.options(0, 2, port, Duration.ofSeconds(2)), new CommStats()));
            Future<Transport> f1 = pool.submit(() -> Transport.open(LocalRanks.options(1, 2, port, Duration.ofSeconds(2)), new CommStats()));
            try (Transport t0 = f0.get(30, TimeUnit.SECONDS); Transport t1 = f1.get(30, TimeUnit.SECONDS)) {
                // 8 MiB rank 1 never reads: closing with them unread (and some still in flight) would reset the
                // connection, and a reset can discard the goodbye before rank 0 has read it.
                Call call = new Call(Collective.SEND_RECV, DType.F32, 8 << 18, 0, 0, 0);
                for (int i = 0; i < 8; i++) t0.send(1, call, i, t0.newFrame(1 << 20));
                t1.close();
                // Rank 1 returned only after rank 0 answered its FIN by closing: everything was read, nothing reset.
                assertFalse(t0.isConnected(1), "rank 1's close returned before rank 0 had closed its side");
                Thread.sleep(300);
                assertNull(t0.failure(), () -> "rank 0 took rank 1's close for a failure: " + t0.failure());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
