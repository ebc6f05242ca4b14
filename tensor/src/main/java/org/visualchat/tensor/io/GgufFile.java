package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF v2/v3 file: metadata, and tensors as zero-copy read-only views of the mapping in their
 * stored type (F32, F16, BF16, Q8_0, Q4_0, I32, I64; block layouts as in {@link org.visualchat.tensor.DType}).
 * Shapes are reported outermost first, i.e. GGUF's {@code ne} reversed: a weight stored with dims
 * {@code [in, out]} comes back with shape {@code [out, in]}, the torch layout of the same bytes.
 * The header is validated ({@link GgufHeader}) before the file is mapped.
 */
public final class GgufFile extends MappedTensorSource {
    private final int version;
    private final GgufMetadata metadata;
    private final long alignment;

    private GgufFile(MappedFile mapped, GgufHeader header) {
        super(mapped, header.dataStart(), header.tensors());
        this.version = header.version();
        this.metadata = header.metadata();
        this.alignment = header.alignment();
    }

    public static GgufFile open(Path file) throws IOException {
        return open(file, GgufHeader::read, GgufFile::new);
    }

    public int version() { return version; }

    public GgufMetadata metadata() { return metadata; }

    /** {@code general.alignment}, or 32 when absent. */
    public long alignment() { return alignment; }
}
