package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

/** Tensors laid out in the data section of one mapped file: what safetensors and GGUF files have in common. */
abstract class MappedTensorSource implements TensorSource {
    private final MappedFile mapped;
    private final long dataStart;
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();

    interface HeaderParser<H> {
        H read(ChannelReader in) throws IOException;
    }

    interface Factory<H, T> {
        T create(MappedFile mapped, H header);
    }

    /**
     * Parses and validates the header through a plain channel, and maps the file only once that has
     * succeeded, so a corrupt file is never mapped and the size mapped is the size validated.
     */
    static <H, T> T open(Path file, HeaderParser<H> parser, Factory<H, T> factory) throws IOException {
        H header;
        long size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ChannelReader in = new ChannelReader(channel, file);
            header = parser.read(in);
            size = in.size();
        }
        return factory.create(MappedFile.open(file, size), header);
    }

    /** {@code tensors} must already be validated to lie inside the file. */
    MappedTensorSource(MappedFile mapped, long dataStart, List<TensorInfo> tensors) {
        this.mapped = mapped;
        this.dataStart = dataStart;
        for (TensorInfo t : tensors) infos.put(t.name(), t);
    }

    public Path path() { return mapped.path(); }

    @Override
    public List<String> names() { return List.copyOf(infos.keySet()); }

    @Override
    public boolean contains(String name) { return infos.containsKey(name); }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) throw new IllegalArgumentException(mapped.path() + ": no tensor named '" + name + "'");
        return t;
    }

    @Override
    public Tensor tensor(String name) {
        TensorInfo t = info(name);
        Storage bytes = mapped.storage(dataStart + t.offset(), t.byteSize());
        return new Tensor(bytes, t.dtype(), t.shape(), Shapes.contiguousStrides(t.shape()), 0);
    }

    @Override
    public void close() {
        mapped.close();
    }
}
