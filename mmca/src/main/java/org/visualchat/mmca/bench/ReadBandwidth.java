package org.visualchat.mmca.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The read bandwidth that matvec and decode figures are a fraction of, measured in the same run: the
 * better of this JVM's vector-sum probe ({@link StreamProbe}) and numpy's np.dot over the same number
 * of bytes, where numpy is present. A yardstick only one's own code measures can flatter that code (the
 * probe once read half of what numpy's sdot streams on the same core), so the faster of the two is the
 * machine's demonstrated bandwidth.
 */
public final class ReadBandwidth implements AutoCloseable {
    private final StreamProbe probe;
    private final Map<Integer, NumpyPeer> peers = new HashMap<>();
    private final String peerNote;

    /** One numpy peer per thread count (OpenBLAS's thread count is fixed when it loads). */
    public ReadBandwidth(int[] threadCounts) {
        probe = new StreamProbe(Arrays.stream(threadCounts).max().orElse(1));
        StringBuilder whyNot = new StringBuilder();
        for (int threads : threadCounts) {
            Optional<NumpyPeer> peer = NumpyPeer.start(threads, whyNot);
            if (peer.isEmpty()) break;
            peers.put(threads, peer.get());
        }
        if (peers.size() < threadCounts.length) {
            peers.values().forEach(NumpyPeer::close);
            peers.clear();
            peerNote = "numpy: none (" + whyNot + "), Java probe only";
        } else {
            peerNote = peers.values().iterator().next().version() + " np.dot (OpenBLAS sdot)";
        }
    }

    /** One measurement of each yardstick with {@code threads} threads, for about {@code seconds} each. */
    public Sample measure(int threads, double seconds) {
        double java = probe.gbs(threads, seconds);
        NumpyPeer peer = peers.get(threads);
        try {
            return new Sample(java, peer == null ? Double.NaN : peer.readGbs(StreamProbe.BYTES, seconds));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the yardstick is, for the header of a report. */
    public String describe() {
        return "read bandwidth = max(Java vector-sum probe, " + peerNote + ") over " + (StreamProbe.BYTES >> 20) + " MiB";
    }

    /** GB/s read by the Java probe and by numpy (NaN without numpy). */
    public record Sample(double java, double numpy) {
        /** Median of each yardstick over interleaved rounds. */
        public static Sample median(Sample[] rounds) {
            double[] java = new double[rounds.length], numpy = new double[rounds.length];
            for (int i = 0; i < rounds.length; i++) {
                java[i] = rounds[i].java;
                numpy[i] = rounds[i].numpy;
            }
            return new Sample(Stopwatch.median(java), Stopwatch.median(numpy));
        }

        /** The machine's demonstrated bandwidth: the faster yardstick. */
        public double best() {
            return Double.isNaN(numpy) ? java : Math.max(java, numpy);
        }

        /** "31.2 GB/s read bandwidth (java 28.0, numpy 31.2)". */
        @Override
        public String toString() {
            return String.format("%5.1f GB/s read bandwidth (java %.1f, numpy %s)", best(), java, Double.isNaN(numpy) ? "-" : String.format("%.1f", numpy));
        }
    }

    @Override
    public void close() {
        peers.values().forEach(NumpyPeer::close);
        probe.close();
    }
}
