package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TorchPickle.StorageRef;
import org.visualchat.tensor.io.TorchPickle.TensorRef;
import org.visualchat.tensor.io.Unpickler.PickleException;
import org.visualchat.tensor.io.Unpickler.Tuple;

/**
 * A {@code torch.save} checkpoint ({@code consolidated.00.pth}, {@code pytorch_model.bin}, any
 * {@code .pt}) read without Python: the file is a zip holding {@code <prefix>/data.pkl}, a pickle of
 * the saved object in which every storage is a persistent id, and {@code <prefix>/data/<key>}, the raw
 * little-endian bytes of each storage, stored uncompressed. The pickle is read by a strict
 * {@link Unpickler} that executes nothing ({@link TorchPickle} lists the only globals it accepts);
 * each tensor becomes a zero-copy read-only view of its storage entry in the mapped file, with torch's
 * storage offset, sizes and strides (so a saved transpose stays a strided view).
 *
 * <p>Nested dicts (and lists) are flattened with dots: {@code {"model": {"norm": t}}} gives
 * {@code model.norm}. Non-tensor values (epoch counters, hyper-parameters) are skipped. Tensors of a
 * torch dtype without a {@link org.visualchat.tensor.DType} here (float64, uint8, bool, …) are not in
 * {@link #names()}; {@link #unsupported()} lists them with the reason.
 *
 * <p>{@link TensorInfo#offset()} is the file offset of a tensor's first element and
 * {@link TensorInfo#byteSize()} the bytes from there to its last element.
 */
public final class TorchCheckpoint implements TensorSource {
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    /** Legacy files open with PROTO 2 and torch's magic number 0x1950a86a20f9469cfc6c as a LONG1 (torch/serialization.py MAGIC_NUMBER). */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8A, 10, 0x6C, (byte) 0xFC, (byte) 0x9C, 0x46, (byte) 0xF9, 0x20, 0x6A, (byte) 0xA8, 0x50, 0x19};
    private static final int MAX_NESTING = 64;

    private final MappedFile mapped;
    private final Map<String, Located> tensors;
    private final Map<String, String> unsupported;

    /** A validated tensor: where its storage entry's bytes start in the file, and its view geometry. */
    private record Located(TensorInfo info, long storageStart, long storageBytes, int[] strides, long elementOffset) {}

    private TorchCheckpoint(MappedFile mapped, Map<String, Located> tensors, Map<String, String> unsupported) {
        this.mapped = mapped;
        this.tensors = tensors;
        this.unsupported = unsupported;
    }

    /** Opens and validates {@code file}: every tensor's storage must be present, uncompressed and large enough. */
    public static TorchCheckpoint open(Path file) throws IOException {
        Map<String, Located> tensors = new LinkedHashMap<>();
        Map<String, String> unsupported = new LinkedHashMap<>();
        long size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            size = channel.size();
            checkMagic(channel, file, size);
            Map<String, ZipDirectory.Entry> entries = ZipDirectory.read(channel, file);
            String prefix = archivePrefix(file, entries);
            checkByteOrder(channel, file, entries, prefix);
            ZipDirectory.Entry pklEntry = entries.get(prefix + "data.pkl");
            byte[] pkl = entryBytes(channel, file, pklEntry, size);
            Object root;
            try {
                root = Unpickler.load(pkl, new TorchPickle());
            } catch (PickleException e) {
                throw new TensorFileException(file, pklEntry.name() + ": " + e.getMessage());
            }
            if (!(root instanceof Map<?, ?> dict)) {
                throw new TensorFileException(file, pklEntry.name() + ": the saved object is a " + Unpickler.typeName(root) + ", not a dict of tensors");
            }
            Map<String, TensorRef> refs = new LinkedHashMap<>();
            flatten(file, "", dict, refs, 0);
            for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
                Located t = locate(file, e.getKey(), e.getValue(), entries, prefix);
                if (e.getValue().type().dtype() == null) {
                    unsupported.put(e.getKey(), "dtype " + e.getValue().type().name() + " is not supported (F32, F16, BF16, I64 and I32 are)");
                } else {
                    tensors.put(e.getKey(), t);
                }
            }
        }
        return new TorchCheckpoint(MappedFile.open(file, size), Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(unsupported));
    }

    /** Enough leading bytes for {@link #sniff}. */
    static final int SNIFF_BYTES = 14;

    /** What a file's first bytes say: a zip (torch.save since 1.6), a legacy torch.save pickle, or neither. */
    enum Kind { ZIP, LEGACY, OTHER }

    static Kind sniff(byte[] head, int length) {
        if (length >= 4 && Arrays.equals(head, 0, 4, ZIP_MAGIC, 0, 4)) return Kind.ZIP;
        if (length >= LEGACY_MAGIC.length && Arrays.equals(head, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length)) return Kind.LEGACY;
        return Kind.OTHER;
    }

    private static void checkMagic(FileChannel channel, Path file, long size) throws IOException {
        int n = (int) Math.min(size, SNIFF_BYTES);
        byte[] head = new byte[n];
        ZipDirectory.readAt(channel, file, 0, n, size, "file header").get(head);
        switch (sniff(head, n)) {
            case ZIP -> { }
            case LEGACY -> throw new TensorFileException(file, "legacy torch.save format (a bare pickle, written by torch < 1.6 or with "
                    + "_use_new_zipfile_serialization=False) is not supported; re-save it with a current torch");
            case OTHER -> throw new TensorFileException(file, "not a torch.save checkpoint: no zip local-header signature at offset 0");
        }
    }

    /** torch names the archive's top folder after the file (or "archive"); the reader, like torch's, accepts any one folder. */
    private static String archivePrefix(Path file, Map<String, ZipDirectory.Entry> entries) throws TensorFileException {
        List<String> pickles = new ArrayList<>();
        for (String name : entries.keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) pickles.add(name.substring(0, slash + 1));
        }
        if (pickles.size() != 1) {
            throw new TensorFileException(file, pickles.isEmpty() ? "zip archive holds no <folder>/data.pkl: not a torch.save checkpoint"
                    : "zip archive holds several data.pkl entries " + pickles);
        }
        return pickles.getFirst();
    }

    /** torch ≥ 1.13 records the writer's byte order; storages are raw native-order bytes. */
    private static void checkByteOrder(FileChannel channel, Path file, Map<String, ZipDirectory.Entry> entries, String prefix) throws IOException {
        ZipDirectory.Entry e = entries.get(prefix + "byteorder");
        if (e == null) return;
        String order = new String(entryBytes(channel, file, e, channel.size()), StandardCharsets.US_ASCII).strip();
        if (!order.equals("little")) throw new TensorFileException(file, e.name() + " says '" + order + "': only little-endian checkpoints are supported");
    }

    /** A small entry read whole, with its CRC-32 checked (storages are mapped instead, and not checksummed). */
    private static byte[] entryBytes(FileChannel channel, Path file, ZipDirectory.Entry e, long size) throws IOException {
        requireStored(file, e);
        if (e.size() > Integer.MAX_VALUE - 8) throw new TensorFileException(file, e.name() + " is " + e.size() + " bytes, too large to read");
        ByteBuffer b = ZipDirectory.readAt(channel, file, e.dataOffset(), (int) e.size(), size, e.name());
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (crc.getValue() != e.crc32()) throw new TensorFileException(file, e.name() + ": CRC-32 mismatch, the entry is corrupt");
        return bytes;
    }

    private static void requireStored(Path file, ZipDirectory.Entry e) throws TensorFileException {
        if (!e.isStored()) {
            throw new TensorFileException(file, "zip entry " + e.name() + " is compressed (method " + e.method() + (e.method() == 8 ? ", deflate" : "")
                    + "); torch.save stores entries uncompressed and only those can be memory-mapped; was the file re-zipped?");
        }
        if (e.size() != e.compressedSize()) throw new TensorFileException(file, "zip entry " + e.name() + " is stored but its sizes differ");
    }

    private static void flatten(Path file, String prefix, Object node, Map<String, TensorRef> out, int depth) throws TensorFileException {
        if (depth > MAX_NESTING) throw new TensorFileException(file, "'" + prefix + "' is nested more than " + MAX_NESTING + " levels deep");
        switch (node) {
            case TensorRef t -> {
                if (out.putIfAbsent(prefix, t) != null) throw new TensorFileException(file, "two tensors flatten to the name '" + prefix + "'");
            }
            case Map<?, ?> m -> {
                for (Map.Entry<?, ?> e : m.entrySet()) flatten(file, child(prefix, e.getKey()), e.getValue(), out, depth + 1);
            }
            case List<?> l -> {
                for (int i = 0; i < l.size(); i++) flatten(file, child(prefix, i), l.get(i), out, depth + 1);
            }
            case Tuple t -> flatten(file, prefix, t.items(), out, depth);
            case null, default -> { /* numbers, strings, flags: not tensors */ }
        }
    }

    private static String child(String prefix, Object key) {
        return prefix.isEmpty() ? String.valueOf(key) : prefix + "." + key;
    }

    /** Checks the storage entry exists, is stored, has the size the pickle says, and contains every element of the view. */
    private static Located locate(Path file, String name, TensorRef t, Map<String, ZipDirectory.Entry> entries, String prefix) throws TensorFileException {
        String entryName = prefix + "data/" + t.storage().key();
        ZipDirectory.Entry e = entries.get(entryName);
        if (e == null) throw new TensorFileException(file, "tensor '" + name + "': storage entry " + entryName + " is missing");
        requireStored(file, e);
        if (e.size() != t.storage().byteSize()) {
            throw new TensorFileException(file, "tensor '" + name + "': entry " + entryName + " holds " + e.size() + " bytes but the pickle declares "
                    + t.storage().storageClass().name() + " of " + t.storage().numel() + " elements (" + t.storage().byteSize() + " bytes)");
        }
        int elementBytes = t.type().elementBytes();
        if (e.size() % elementBytes != 0) {
            throw new TensorFileException(file, "tensor '" + name + "': entry " + entryName + " of " + e.size() + " bytes is not a whole number of " + t.type().name());
        }
        long storageElements = e.size() / elementBytes;
        int[] shape = new int[t.shape().length];
        int[] strides = new int[shape.length];
        long last = t.offset();
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (t.shape()[i] < 0 || t.shape()[i] > Integer.MAX_VALUE || t.stride()[i] < 0 || t.stride()[i] > Integer.MAX_VALUE) {
                throw new TensorFileException(file, "tensor '" + name + "': size " + t.shape()[i] + " / stride " + t.stride()[i] + " of dim " + i + " is out of range");
            }
            shape[i] = (int) t.shape()[i];
            strides[i] = (int) t.stride()[i];
            if (shape[i] == 0) empty = true;
            else last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
        }
        if (t.offset() < 0 || (!empty && last >= storageElements)) {
            throw new TensorFileException(file, "tensor '" + name + "': elements " + t.offset() + ".." + last + " lie outside storage " + entryName
                    + " of " + storageElements + " elements");
        }
        long span = empty ? 0 : (last - t.offset() + 1) * elementBytes;
        TensorInfo info = new TensorInfo(name, t.type().dtype(), shape, e.dataOffset() + t.offset() * elementBytes, span);
        return new Located(info, e.dataOffset(), e.size(), strides, t.offset());
    }

    public Path path() { return mapped.path(); }

    @Override
    public List<String> names() { return List.copyOf(tensors.keySet()); }

    @Override
    public boolean contains(String name) { return tensors.containsKey(name); }

    /** Tensors present in the file but not loadable here, with the reason (e.g. "dtype torch.float64 is not supported ..."). */
    public Map<String, String> unsupported() { return unsupported; }

    @Override
    public TensorInfo info(String name) {
        return located(name).info();
    }

    /** A read-only view over the tensor's whole storage entry, with torch's offset, sizes and strides. */
    @Override
    public Tensor tensor(String name) {
        Located t = located(name);
        Storage bytes = mapped.storage(t.storageStart(), t.storageBytes());
        return new Tensor(bytes, t.info().dtype(), t.info().shape(), t.strides(), t.elementOffset());
    }

    private Located located(String name) {
        Located t = tensors.get(name);
        if (t != null) return t;
        String why = unsupported.get(name);
        throw new IllegalArgumentException(mapped.path() + ": " + (why != null ? "tensor '" + name + "': " + why : "no tensor named '" + name + "'"));
    }

    @Override
    public void close() {
        mapped.close();
    }
}
