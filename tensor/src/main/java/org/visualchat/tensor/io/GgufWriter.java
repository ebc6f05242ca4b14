package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.Tensor;

/**
 * Writes GGUF v3 files in llama.cpp's layout: header, metadata in insertion order, tensor infos, then
 * the data section at the next multiple of the alignment, each tensor starting at a multiple of the
 * alignment (offsets assigned in insertion order, zero padding between and after). Tensor dims are
 * written in ggml {@code ne} order (our shape reversed). The file is replaced atomically.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", GgufValue.string("llama"))
 *     .addTensor("token_embd.weight", embeddings.to(DType.Q8_0))
 *     .write(Path.of("model.gguf"));
 * }</pre>
 */
public final class GgufWriter {
    /** ggml's GGML_MAX_NAME is 64 bytes including the terminating NUL, so llama.cpp rejects longer names. */
    static final int MAX_NAME_BYTES = 63;

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** Sets (or replaces) a metadata entry. {@code general.alignment}, if set, must be a UINT32 power of two. */
    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter addTensor(String name, Tensor tensor) {
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > MAX_NAME_BYTES) throw new IllegalArgumentException("tensor name '" + name + "' is " + nameBytes + " bytes; GGUF readers accept at most " + MAX_NAME_BYTES);
        if (tensor.rank() > GgufHeader.MAX_DIMS) throw new IllegalArgumentException("tensor '" + name + "' has rank " + tensor.rank() + "; GGUF allows at most " + GgufHeader.MAX_DIMS);
        if (tensors.putIfAbsent(name, tensor) != null) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    public void write(Path file) throws IOException {
        long alignment = alignment();
        ByteSink header = new ByteSink();
        header.u32(0x46554747).u32(3).u64(tensors.size()).u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            header.string(e.getKey()).u32(e.getValue().type().id());
            value(header, e.getValue());
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            int[] shape = t.shape();
            header.string(e.getKey()).u32(shape.length);
            for (int i = shape.length - 1; i >= 0; i--) header.u64(shape[i]);
            header.u32(GgmlTypes.id(t.dtype())).u64(offset);
            offset = align(offset + t.dtype().byteSize(t.numel()), alignment);
        }
        ByteBuffer headerBytes = header.toBuffer();
        AtomicFile.write(file, channel -> {
            TensorBytes.writeFully(channel, headerBytes);
            TensorBytes.pad(channel, align(channel.position(), alignment) - channel.position());
            for (Tensor t : tensors.values()) {
                TensorBytes.write(channel, t);
                TensorBytes.pad(channel, align(channel.position(), alignment) - channel.position());
            }
        });
    }

    private long alignment() {
        GgufValue v = metadata.get("general.alignment");
        if (v == null) return GgufHeader.DEFAULT_ALIGNMENT;
        if (v.type() != GgufType.UINT32 || Long.bitCount(v.asLong()) != 1) throw new IllegalArgumentException("general.alignment must be a UINT32 power of two, got " + v);
        return v.asLong();
    }

    private static long align(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static void value(ByteSink out, GgufValue v) {
        if (v.type() != GgufType.ARRAY) {
            scalar(out, v.type(), v.value());
            return;
        }
        List<Object> elements = v.asList();
        out.u32(v.elementType().id()).u64(elements.size());
        for (Object e : elements) scalar(out, v.elementType(), e);
    }

    private static void scalar(ByteSink out, GgufType type, Object v) {
        switch (type) {
            case UINT8, INT8, BOOL -> out.put(1, type == GgufType.BOOL ? ((Boolean) v ? 1 : 0) : (Long) v);
            case UINT16, INT16 -> out.put(2, (Long) v);
            case UINT32, INT32 -> out.put(4, (Long) v);
            case UINT64, INT64 -> out.put(8, (Long) v);
            case FLOAT32 -> out.put(4, Float.floatToRawIntBits(((Double) v).floatValue()));
            case FLOAT64 -> out.put(8, Double.doubleToRawLongBits((Double) v));
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalStateException("arrays are written by value()");
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class ByteSink {
        private ByteBuffer buffer = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);

        /** The low {@code bytes} bytes of {@code v}, little-endian. */
        ByteSink put(int bytes, long v) {
            reserve(bytes);
            for (int i = 0; i < bytes; i++) buffer.put((byte) (v >>> (8 * i)));
            return this;
        }

        ByteSink u32(long v) { return put(4, v); }

        ByteSink u64(long v) { return put(8, v); }

        ByteSink string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            reserve(b.length);
            buffer.put(b);
            return this;
        }

        private void reserve(int n) {
            if (buffer.remaining() >= n) return;
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }

        ByteBuffer toBuffer() {
            return buffer.duplicate().flip();
        }
    }
}
