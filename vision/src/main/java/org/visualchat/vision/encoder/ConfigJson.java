package org.visualchat.vision.encoder;

import org.visualchat.nn.Activation;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.TensorFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads the vision fields of a Hugging Face CLIP {@code config.json} with clear per-field errors. */
final class ConfigJson {
    private ConfigJson() {}

    static ClipVisionConfig clipVision(Path configOrDir) throws IOException {
        Path file = Files.isDirectory(configOrDir) ? configOrDir.resolve("config.json") : configOrDir;
        if (!Files.isRegularFile(file)) throw new TensorFileException(file, "no config.json found");
        if (!(Json.read(file) instanceof Map<?, ?> json)) throw new TensorFileException(file, "config is not a JSON object");
        try {
            return clipVision(json, file.toString());
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, e.getMessage());
        }
    }

    /** A CLIPModel config carries the fields under {@code vision_config}; a CLIPVisionModel config at the top. */
    static ClipVisionConfig clipVision(Map<?, ?> json, String where) {
        Map<?, ?> v = json;
        if (json.get("vision_config") instanceof Map<?, ?> nested) v = nested;
        else if (json.containsKey("vision_config")) throw new IllegalArgumentException(where + ": vision_config is not an object");
        // Defaults: transformers 4.33 CLIPVisionConfig.__init__.
        return new ClipVisionConfig(
                integer(v, "hidden_size", 768, where), integer(v, "intermediate_size", 3072, where),
                integer(v, "num_hidden_layers", 12, where), integer(v, "num_attention_heads", 12, where),
                integer(v, "image_size", 224, where), integer(v, "patch_size", 32, where),
                integer(v, "num_channels", 3, where), activation(v, where),
                (float) number(v, "layer_norm_eps", 1e-5, where));
    }

    private static Activation activation(Map<?, ?> v, String where) {
        Object a = v.containsKey("hidden_act") ? v.get("hidden_act") : "quick_gelu";
        if (!(a instanceof String s)) throw new IllegalArgumentException(where + ": hidden_act must be a string, got " + a);
        try {
            return Activation.fromConfig(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static int integer(Map<?, ?> v, String key, int dflt, String where) {
        Object o = v.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) throw new IllegalArgumentException(where + ": " + key + " must be a positive integer, got " + o);
        return (int) (long) l;
    }

    private static double number(Map<?, ?> v, String key, double dflt, String where) {
        Object o = v.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Number n) || !(n.doubleValue() > 0)) throw new IllegalArgumentException(where + ": " + key + " must be a positive number, got " + o);
        return n.doubleValue();
    }
}
