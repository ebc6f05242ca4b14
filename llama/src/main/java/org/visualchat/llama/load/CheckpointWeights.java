package org.visualchat.llama.load;

import org.visualchat.llama.model.Weights;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TensorInfo;
import org.visualchat.tensor.io.TensorSource;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@link Weights} answered from an opened checkpoint: maps each HF name to the file's name, checks
 * presence, dtype and shape against the config, and records which tensors were used so that left-over
 * tensors (a config that says fewer layers than the file has) can be reported. Errors are
 * {@link ModelFormatException}s naming the file and the tensor, wrapped unchecked until
 * {@link LlamaLoader} unwraps them.
 */
final class CheckpointWeights implements Weights {
    private static final Set<DType> SUPPORTED = Set.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0);

    private final TensorSource source;
    private final Function<String, Path> fileOf;
    private final UnaryOperator<String> toFileName;
    private final Function<String, String> configFields;
    private final Path describedFile;
    private final Set<String> used = new LinkedHashSet<>();

    /**
     * @param fileOf       name in the file → the file holding it (a shard of a sharded checkpoint)
     * @param toFileName   HF name → name in the file
     * @param configFields HF name → the config fields its shape comes from (for the error message)
     * @param describedFile the file named when a tensor is missing altogether
     */
    CheckpointWeights(TensorSource source, Function<String, Path> fileOf, UnaryOperator<String> toFileName, Function<String, String> configFields, Path describedFile) {
        this.source = source;
        this.fileOf = fileOf;
        this.toFileName = toFileName;
        this.configFields = configFields;
        this.describedFile = describedFile;
    }

    @Override
    public Tensor tensor(String name, int... shape) {
        String fileName = toFileName.apply(name);
        if (!source.contains(fileName)) throw fail(describedFile, "missing tensor " + describe(name, fileName));
        Path file = fileOf.apply(fileName);
        TensorInfo info = source.info(fileName);
        DType dtype = info.dtype();
        if (!SUPPORTED.contains(dtype)) throw fail(file, "tensor " + describe(name, fileName) + " has dtype " + dtype + ", which is not supported for weights (F32, F16, BF16, Q8_0, Q4_0)");
        int[] actual = info.shape();
        if (!java.util.Arrays.equals(actual, shape)) {
            throw fail(file, "tensor " + describe(name, fileName) + " has shape " + Shapes.toString(actual) + " but the config (" + configFields.apply(name) + ") implies " + Shapes.toString(shape));
        }
        used.add(fileName);
        return source.tensor(fileName);
    }

    Set<String> used() { return used; }

    private static String describe(String hf, String fileName) {
        return hf.equals(fileName) ? hf : fileName + " (" + hf + ")";
    }

    static UncheckedIOException fail(Path file, String message) {
        return new UncheckedIOException(new ModelFormatException(file, message));
    }
}
