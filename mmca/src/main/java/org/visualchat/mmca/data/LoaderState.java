package org.visualchat.mmca.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a {@link DataLoader} stands: the epoch and how many entries of this rank's order for that epoch have been
 * read (consumed or skipped). Saved in training checkpoints so a resumed run reads exactly the samples an
 * uninterrupted run would have read next.
 */
public record LoaderState(int epoch, int cursor) {
    public LoaderState {
        if (epoch < 0 || cursor < 0) throw new IllegalArgumentException("epoch and cursor must be >= 0, got " + epoch + ", " + cursor);
    }

    /** For a JSON checkpoint: {@code {"epoch": e, "cursor": c}}. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("epoch", (long) epoch);
        map.put("cursor", (long) cursor);
        return map;
    }

    /** Inverse of {@link #toMap} (numbers as parsed by {@code Json}: {@code Long}). */
    public static LoaderState fromMap(Map<?, ?> map) {
        if (!(map.get("epoch") instanceof Number e) || !(map.get("cursor") instanceof Number c)) {
            throw new IllegalArgumentException("loader state needs integer \"epoch\" and \"cursor\", got " + map);
        }
        return new LoaderState(Math.toIntExact(e.longValue()), Math.toIntExact(c.longValue()));
    }
}
