package org.visualchat.vision.encoder;

import org.visualchat.tensor.io.TensorFileException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Picks and loads the encoder for a vision model path with the reference's rule (§1.2). */
public final class VisionEncoders {
    private VisionEncoders() {}

    /**
     * {@code create_dsvl_model_and_transforms}: a path whose lower-cased text contains "qwen" is the
     * QWen-VL tower, else one containing "clip" is a Hugging Face CLIP model, else it is an error.
     * The result is frozen.
     */
    public static VisionEncoder load(Path path) throws IOException {
        String name = path.toString().toLowerCase(Locale.ROOT);      // the path as given, like the reference's argument
        if (name.contains("qwen")) return QwenVisionEncoder.load(path);
        if (name.contains("clip")) return ClipVisionEncoder.load(path);
        throw new TensorFileException(path, "cannot tell the vision encoder from the path: it must contain 'qwen' (QWen-VL ViT) or 'clip' (HF CLIP), as in the reference");
    }
}
