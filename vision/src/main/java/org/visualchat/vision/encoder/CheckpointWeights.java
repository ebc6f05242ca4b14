package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.io.TensorFileException;
import org.visualchat.tensor.io.TensorInfo;
import org.visualchat.tensor.io.TensorSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict loading of an encoder from a checkpoint (PyTorch {@code load_state_dict(strict=True)} over the
 * encoder's part of the file): every parameter must be present with its exact shape and a float dtype,
 * and no unknown tensor may sit under the encoder's prefix. All problems are reported together, naming
 * the file and the tensors, before any parameter is touched.
 *
 * <p>Linear weights keep the file's dtype (a BF16 checkpoint stays BF16 in memory; the GEMM reads it
 * directly); every other parameter (norms, biases, embeddings, the patch conv) is converted to F32.
 */
final class CheckpointWeights {
    private CheckpointWeights() {}

    /**
     * @param scope   file tensors whose names do not start with it are not the encoder's and are skipped
     *                (a full CLIPModel's {@code text_model.*}); "" takes the whole file
     * @param ignored names in scope that are not parameters (HF's {@code position_ids} buffer)
     */
    static void load(Module model, TensorSource source, Path file, String scope, Set<String> ignored) throws TensorFileException {
        Map<String, Variable> params = model.namedParameters();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), wrong = new ArrayList<>();
        for (String name : source.names()) {
            if (!name.startsWith(scope) || ignored.contains(name)) continue;
            Variable p = params.get(name);
            TensorInfo info = source.info(name);
            if (p == null) unexpected.add(name);
            else if (!Arrays.equals(p.shape(), info.shape())) wrong.add(name + " has shape " + Arrays.toString(info.shape()) + ", expected " + Arrays.toString(p.shape()));
            else if (!isFloat(info.dtype())) wrong.add(name + " has dtype " + info.dtype() + ", expected F32, BF16 or F16");
        }
        for (String name : params.keySet()) if (!source.contains(name)) missing.add(name);
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrong.isEmpty()) {
            StringBuilder msg = new StringBuilder("checkpoint does not match the ").append(model.getClass().getSimpleName()).append(':');
            if (!missing.isEmpty()) msg.append("\n  missing: ").append(String.join(", ", missing));
            if (!unexpected.isEmpty()) msg.append("\n  unexpected: ").append(String.join(", ", unexpected));
            for (String w : wrong) msg.append("\n  ").append(w);
            throw new TensorFileException(file, msg.toString());
        }
        Set<String> linearWeights = linearWeights(model);
        for (Map.Entry<String, Variable> e : params.entrySet()) {
            String name = e.getKey();
            DType target = linearWeights.contains(name) ? source.info(name).dtype() : DType.F32;
            e.getValue().setValue(source.tensor(name).to(target));
        }
    }

    private static boolean isFloat(DType t) {
        return t == DType.F32 || t == DType.BF16 || t == DType.F16;
    }

    private static Set<String> linearWeights(Module model) {
        Set<String> out = new HashSet<>();
        model.namedModules().forEach((n, m) -> {
            if (m instanceof Linear) out.add(n.isEmpty() ? "weight" : n + ".weight");
        });
        return out;
    }
}
