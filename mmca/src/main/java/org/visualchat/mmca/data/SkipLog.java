package org.visualchat.mmca.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts skipped samples per {@link SkipReason} and logs the first few of each reason (then only counts), so one
 * bad sample never stops a run and the totals are reported at the end. Thread-safe.
 */
public final class SkipLog {
    private static final System.Logger LOG = System.getLogger(SkipLog.class.getName());

    private final int logFirst;
    private final AtomicLongArray counts = new AtomicLongArray(SkipReason.values().length);

    /** @param logFirst how many samples of each reason are logged individually */
    public SkipLog(int logFirst) {
        this.logFirst = logFirst;
    }

    public SkipLog() {
        this(5);
    }

    /** Counts one skipped sample and logs it if it is among the first {@code logFirst} of its reason. */
    public void record(String sampleId, BadSampleException e) {
        long n = counts.incrementAndGet(e.reason().ordinal());
        if (n <= logFirst) {
            LOG.log(System.Logger.Level.WARNING, "skipping sample {0} ({1}): {2}{3}", sampleId, e.reason(), e.getMessage(),
                    n == logFirst ? " [further " + e.reason() + " samples are only counted]" : "");
        }
    }

    public long count(SkipReason reason) {
        return counts.get(reason.ordinal());
    }

    public long total() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) total += counts.get(i);
        return total;
    }

    /** Non-zero counts by reason, in enum order. */
    public Map<SkipReason, Long> counts() {
        Map<SkipReason, Long> map = new EnumMap<>(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            long n = count(reason);
            if (n > 0) map.put(reason, n);
        }
        return map;
    }

    /** One line, e.g. {@code "skipped 3 samples: MISSING_IMAGE=2, TOO_LONG=1"}. */
    public String summary() {
        StringBuilder line = new StringBuilder("skipped ").append(total()).append(" samples");
        String sep = ": ";
        for (Map.Entry<SkipReason, Long> e : counts().entrySet()) {
            line.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ", ";
        }
        return line.toString();
    }
}
