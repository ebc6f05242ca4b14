package org.visualchat.tensor.io;

import java.io.IOException;
import java.util.List;
import org.visualchat.tensor.Tensor;

/**
 * A set of named tensors backed by one or more memory-mapped files (a safetensors file, a sharded
 * safetensors checkpoint, a GGUF file). Tensors are read-only zero-copy views of the mapping in the
 * dtype the file stores; they stay valid until {@link #close()}, after which touching them throws
 * {@link IllegalStateException}.
 */
public interface TensorSource extends AutoCloseable {
    /** Tensor names in file order. */
    List<String> names();

    boolean contains(String name);

    /** Dtype, shape and location of {@code name}; throws {@link IllegalArgumentException} naming the file if absent. */
    TensorInfo info(String name);

    /** A read-only view of {@code name}'s bytes; throws {@link IllegalArgumentException} naming the file if absent. */
    Tensor tensor(String name);

    /** Unmaps the files. */
    @Override
    void close() throws IOException;
}
