package org.visualchat.mmca.cli;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.demo.DemoChatModel;
import org.visualchat.opencl.models.OpenClClipVision;
import org.visualchat.opencl.models.OpenClLlama;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintStream;

/**
 * Where a command runs LLaMA inference: {@code cpu} (the Vector API kernels) or {@code opencl} /
 * {@code opencl:N} (the model's weights uploaded to that OpenCL device, which needs the G1 collector:
 * the launcher picks it when it sees {@code opencl}). An absent OpenCL device is an error that lists
 * the devices present.
 */
final class LlamaDevice implements AutoCloseable {
    /** The {@code --device} option, shared by generate, chat and eval (a picocli mixin). */
    static final class Choice {
        // Checked as the command line is parsed (Setting), so a typo fails before any model is loaded.
        @Option(names = "--device", converter = Setting.class,
                description = "Where the language model runs: cpu, opencl (first OpenCL device) or opencl:N (default: ${DEFAULT-VALUE}).")
        String setting = "cpu";

        /** Places {@code model} for up to {@code sessions} sequences at once of up to {@code maxContext} positions each. */
        LlamaDevice open(LlamaModel model, int maxContext, int sessions, PrintStream err) {
            return LlamaDevice.open(setting, model, maxContext, sessions, err);
        }

        /**
         * Places a chat model's frozen parts: its language model, for conversations up to its
         * max_position_embeddings, and a CLIP image encoder (device batches of {@link #IMAGE_BATCH}).
         */
        LlamaDevice open(DemoChatModel chat, PrintStream err) {
            if (setting.equals("cpu")) return new LlamaDevice(null, null);
            LlamaModel decoder = chat.model().decoder();
            LlamaDevice device = open(decoder, decoder.config().maxPositions(), 1, err);
            if (chat.model().encoder() instanceof ClipVisionEncoder clip) {
                try {
                    device.vision = OpenClClipVision.open(clip, setting, IMAGE_BATCH);
                } catch (RuntimeException e) {
                    device.close();
                    throw e;
                }
            }
            return device;
        }
    }

    /** Parses {@code --device}: cpu, opencl or opencl:N (generate, chat, eval and train). */
    static final class Setting implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("cpu") && !value.equals("opencl") && !value.matches("opencl:\\d+")) {
                throw new TypeConversionException("must be cpu, opencl or opencl:N, got '" + value + "'");
            }
            return value;
        }
    }

    /** Images per device batch of the chat's vision encoder: a conversation's images are encoded together. */
    static final int IMAGE_BATCH = 4;

    private final CausalLm lm;
    private final OpenClLlama owned;
    private OpenClClipVision vision;

    private LlamaDevice(CausalLm lm, OpenClLlama owned) {
        this.lm = lm;
        this.owned = owned;
    }

    private static LlamaDevice open(String setting, LlamaModel model, int maxContext, int sessions, PrintStream err) {
        if (setting.equals("cpu")) return new LlamaDevice(model, null);
        OpenClLlama gpu = OpenClLlama.open(model, setting, maxContext, sessions);
        err.printf("device: %s; %.1f MiB uploaded (weights, once)%n", gpu.deviceDescription(), gpu.transfers().bytesUploaded() / 1048576.0);
        return new LlamaDevice(gpu, gpu);
    }

    CausalLm model() { return lm; }

    /** The chat model with its language model (and CLIP encoder) run here; unchanged on the CPU. */
    ChatModel apply(DemoChatModel chat) {
        return owned == null ? chat : chat.withFrozenParts(lm, vision == null ? null : vision::encode);
    }

    @Override
    public void close() {
        if (vision != null) vision.close();
        if (owned != null) owned.close();
    }
}
