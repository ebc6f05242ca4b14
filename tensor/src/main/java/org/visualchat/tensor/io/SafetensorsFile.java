package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One {@code .safetensors} file: the header is read and validated through a plain channel
 * ({@link SafetensorsHeader} lists the rules), and only then is the file mapped. Tensors come back as
 * zero-copy read-only views in their stored dtype (a BF16 checkpoint stays BF16).
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     Tensor w = f.tensor("model.norm.weight");   // BF16 view of the mapped bytes
 * }
 * }</pre>
 */
public final class SafetensorsFile extends MappedTensorSource {
    private final Map<String, String> metadata;

    private SafetensorsFile(MappedFile mapped, SafetensorsHeader header) {
        super(mapped, header.dataStart(), header.tensors());
        this.metadata = header.metadata();
    }

    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, SafetensorsHeader::read, SafetensorsFile::new);
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() { return metadata; }
}
