package org.visualchat.parallel.zero;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.visualchat.nn.optim.OptimizerState;
import org.visualchat.tensor.io.Json;

/**
 * The {@code manifest.json} of a sharded checkpoint: what each rank file holds and how to put it together
 * (DCP-style metadata, distributed.md §5.3–5.4).
 *
 * @param worldSize ranks that wrote the checkpoint (= rank files)
 * @param stage     the ZeRO stage it was written under (informational: any stage 1–3 can load it)
 * @param step      the training step it was taken after
 * @param params    every trainable parameter: shape, dtype and per-rank flat element ranges
 * @param slots     optimizer state kept per element, stored as {@code <param>.<slot>} (e.g. exp_avg)
 * @param counters  optimizer counters ({@code <param>.step})
 * @param extra     the trainer's own resume state (data position, seeds, …)
 */
public record Manifest(int worldSize, int stage, long step, Map<String, Param> params, List<String> slots,
                       Map<String, Long> counters, Map<String, String> extra) {

    /** One parameter: rank r stores its flat elements [offsets[r], offsets[r] + counts[r]). */
    public record Param(String name, int[] shape, String dtype, long[] offsets, long[] counts) {
        long offset(int rank) { return offsets[rank]; }

        long count(int rank) { return counts[rank]; }

        long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    Param param(String name) {
        Param p = params.get(name);
        if (p == null) throw new IllegalArgumentException("checkpoint has no parameter '" + name + "' (it holds " + params.keySet() + ")");
        return p;
    }

    static Manifest of(ZeroEngine zero, long step, OptimizerState state, Map<String, String> extra) {
        Map<String, Param> params = new LinkedHashMap<>();
        TreeSet<String> slots = new TreeSet<>();
        for (Slot s : zero.slots().values()) {
            if (!s.trainable) continue;
            int p = s.split.parts();
            long[] offsets = new long[p], counts = new long[p];
            for (int r = 0; r < p; r++) {
                offsets[r] = s.split.offset(r);
                counts[r] = s.split.count(r);
            }
            params.put(s.name, new Param(s.name, s.shape, s.dtype.name(), offsets, counts));
            for (String key : state.tensors().keySet()) if (key.startsWith(s.name + ".")) slots.add(key.substring(s.name.length() + 1));
        }
        // Rank 0 holds a non-empty slice of every non-empty parameter, so its counters are complete.
        return new Manifest(zero.group().size(), zero.config().stage(), step, params, List.copyOf(slots),
                new LinkedHashMap<>(state.counters()), new LinkedHashMap<>(extra));
    }

    String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", ZeroCheckpoint.FORMAT);
        root.put("world_size", (long) worldSize);
        root.put("stage", (long) stage);
        root.put("step", step);
        Map<String, Object> ps = new LinkedHashMap<>();
        params.forEach((n, p) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            List<Object> shape = new ArrayList<>();
            for (int d : p.shape()) shape.add((long) d);
            e.put("shape", shape);
            e.put("dtype", p.dtype());
            List<Object> ranges = new ArrayList<>();
            for (int r = 0; r < p.offsets().length; r++) ranges.add(List.of(p.offsets()[r], p.counts()[r]));
            e.put("ranges", ranges);
            ps.put(n, e);
        });
        root.put("params", ps);
        root.put("slots", new ArrayList<Object>(slots));
        root.put("counters", new LinkedHashMap<Object, Object>(counters));
        root.put("extra", new LinkedHashMap<Object, Object>(extra));
        return Json.writePretty(root) + "\n";
    }

    /** Reads and validates a manifest; every problem names the file and the field. */
    static Manifest read(Path file) throws IOException {
        if (!java.nio.file.Files.exists(file)) throw new IllegalArgumentException(file + " is missing (checkpoint incomplete?)");
        Map<String, Object> root = object(Json.read(file), file, "top level");
        if (!ZeroCheckpoint.FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException(file + ": field 'format' is " + root.get("format") + ", expected " + ZeroCheckpoint.FORMAT);
        }
        int world = Math.toIntExact(number(root, "world_size", file));
        if (world < 1) throw new IllegalArgumentException(file + ": field 'world_size' must be positive, got " + world);
        Map<String, Param> params = new LinkedHashMap<>();
        object(root.get("params"), file, "params").forEach((name, v) -> {
            Map<String, Object> e = object(v, file, "params." + name);
            List<Object> shapeList = list(e.get("shape"), file, "params." + name + ".shape");
            int[] shape = new int[shapeList.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = Math.toIntExact(integer(shapeList.get(i), file, "params." + name + ".shape"));
            List<Object> ranges = list(e.get("ranges"), file, "params." + name + ".ranges");
            if (ranges.size() != world) {
                throw new IllegalArgumentException(file + ": params." + name + ".ranges has " + ranges.size() + " entries for world_size " + world);
            }
            long[] offsets = new long[world], counts = new long[world];
            for (int r = 0; r < world; r++) {
                List<Object> range = list(ranges.get(r), file, "params." + name + ".ranges[" + r + "]");
                String field = "params." + name + ".ranges[" + r + "]";
                if (range.size() != 2) throw new IllegalArgumentException(file + ": field '" + field + "' must be [offset, count]");
                offsets[r] = integer(range.get(0), file, field);
                counts[r] = integer(range.get(1), file, field);
            }
            params.put(name, new Param(name, shape, String.valueOf(e.get("dtype")), offsets, counts));
        });
        List<String> slots = new ArrayList<>();
        for (Object o : list(root.get("slots"), file, "slots")) slots.add(String.valueOf(o));
        Map<String, Long> counters = new LinkedHashMap<>();
        object(root.get("counters"), file, "counters").forEach((k, v) -> counters.put(k, integer(v, file, "counters." + k)));
        Map<String, String> extra = new LinkedHashMap<>();
        object(root.get("extra"), file, "extra").forEach((k, v) -> extra.put(k, String.valueOf(v)));
        return new Manifest(world, Math.toIntExact(number(root, "stage", file)), number(root, "step", file), params, slots, counters, extra);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, Path file, String field) {
        if (!(v instanceof Map)) throw new IllegalArgumentException(file + ": field '" + field + "' must be an object");
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, Path file, String field) {
        if (!(v instanceof List)) throw new IllegalArgumentException(file + ": field '" + field + "' must be an array");
        return (List<Object>) v;
    }

    private static long number(Map<String, Object> root, String field, Path file) {
        return integer(root.get(field), file, field);
    }

    private static long integer(Object v, Path file, String field) {
        if (!(v instanceof Long n)) throw new IllegalArgumentException(file + ": field '" + field + "' must be an integer, got " + v);
        return n;
    }
}
