package org.visualchat.nn.checkpoint;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's parameters as a safetensors file under their Hugging Face names, written atomically
 * (temp file, fsync, rename). Loading checks every name and shape first and fails with one message
 * listing all missing, unexpected and mis-shaped tensors, before any parameter is touched.
 *
 * <pre>{@code
 * StateDict.save(model, Path.of("adapter.safetensors"), true);      // only trainable, like the reference
 * StateDict.load(model, Path.of("adapter.safetensors"), false);     // partial load allowed
 * }</pre>
 */
public final class StateDict {
    private StateDict() {}

    /** The tensors to save: every parameter, or only those that require a gradient. */
    public static Map<String, Tensor> of(Module model, boolean onlyTrainable) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        (onlyTrainable ? model.trainableParameters() : model.namedParameters()).forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    public static void save(Module model, Path file, boolean onlyTrainable) throws IOException {
        SafetensorsWriter.write(file, of(model, onlyTrainable));
    }

    /**
     * Copies every tensor of {@code file} into the parameter of the same name (converted to the
     * parameter's dtype). With {@code requireAll}, a parameter absent from the file is an error too.
     */
    public static void load(Module model, Path file, boolean requireAll) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            load(model, f, "", requireAll, file.toString());
        }
    }

    /** Loads the tensors named {@code prefix + <param name>} from an open source. */
    public static void load(Module model, TensorSource source, String prefix, boolean requireAll, String what) {
        Map<String, Variable> params = model.namedParameters();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), misShaped = new ArrayList<>();
        for (String name : source.names()) {
            if (!name.startsWith(prefix)) continue;
            Variable p = params.get(name.substring(prefix.length()));
            if (p == null) {
                unexpected.add(name);
            } else if (!Arrays.equals(p.shape(), source.info(name).shape())) {
                misShaped.add(name + " (file " + Arrays.toString(source.info(name).shape()) + ", model " + Arrays.toString(p.shape()) + ")");
            }
        }
        if (requireAll) {
            for (String name : params.keySet()) if (!source.contains(prefix + name)) missing.add(prefix + name);
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty()) {
            StringBuilder msg = new StringBuilder("state dict ").append(what).append(" does not match the model:");
            if (!missing.isEmpty()) msg.append("\n  missing: ").append(String.join(", ", missing));
            if (!unexpected.isEmpty()) msg.append("\n  unexpected: ").append(String.join(", ", unexpected));
            if (!misShaped.isEmpty()) msg.append("\n  mis-shaped: ").append(String.join(", ", misShaped));
            throw new IllegalArgumentException(msg.toString());
        }
        for (String name : source.names()) {
            if (!name.startsWith(prefix)) continue;
            Variable p = params.get(name.substring(prefix.length()));
            p.setValue(source.tensor(name).to(p.value().dtype()));
        }
    }
}
