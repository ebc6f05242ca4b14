package org.visualchat.mmca.cli;

import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.train.TrainConfig;
import org.visualchat.mmca.train.Trainer;
import org.visualchat.opencl.models.OpenClClipVision;
import org.visualchat.opencl.models.OpenClLlamaLoss;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Where {@code visualchat train --device} runs the frozen parts of a training step: {@code cpu} (everything
 * on the tape), or {@code opencl} / {@code opencl:N}: the LLaMA's forward, loss and backward to the spliced
 * embeddings ({@link OpenClLlamaLoss}) and a CLIP encoder at its native resolution ({@link OpenClClipVision})
 * on that device, while splicing, the trainable {@code lang_embed} and projection, their backward and AdamW
 * stay on the host (their gradients come from dLoss/dEmbeddings, one [B, L, d] download per micro-batch).
 */
final class TrainingDevice implements AutoCloseable {
    private final OpenClLlamaLoss lm;
    private final OpenClClipVision vision;

    private TrainingDevice(OpenClLlamaLoss lm, OpenClClipVision vision) {
        this.lm = lm;
        this.vision = vision;
    }

    /** Places the model's frozen parts on {@code setting} and points the trainer (and the model's image encoding) at them. */
    static TrainingDevice open(String setting, VisualChatModel model, TrainConfig c, Trainer trainer, PrintStream err) {
        if (setting.equals("cpu")) return new TrainingDevice(null, null);
        if (c.langLoraDim() > 0) {
            throw new IllegalArgumentException("--device " + setting + " runs the frozen LLaMA on the device, where LoRA adapters on it cannot train: use --device cpu with --lang_lora_dim");
        }
        OpenClLlamaLoss lm = OpenClLlamaLoss.open(model.decoder(), setting, Math.max(c.batchSize(), c.evalBatchSize()), c.maxSeqLen());
        OpenClClipVision vision = null;
        try {
            if (model.encoder() instanceof ClipVisionEncoder clip && c.visLoraDim() == 0 && (c.imageSize() == 0 || c.imageSize() == clip.config().imageSize())) {
                vision = OpenClClipVision.open(clip, setting, LlamaDevice.IMAGE_BATCH);
                model.encodeImagesWith(vision::encode);
            }
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        trainer.languageModelOn(lm::loss);
        err.printf(Locale.ROOT, "device: %s; LLaMA forward + backward%s there; %.1f MiB of weights uploaded once%n", lm.deviceDescription(),
                vision != null ? " and the CLIP encoder" : " (the vision encoder stays on the CPU)", lm.transfers().bytesUploaded() / 1048576.0);
        return new TrainingDevice(lm, vision);
    }

    @Override
    public void close() {
        if (vision != null) vision.close();
        if (lm != null) lm.close();
    }
}
