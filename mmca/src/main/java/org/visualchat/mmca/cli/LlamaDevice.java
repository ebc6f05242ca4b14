package org.visualchat.mmca.cli;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.opencl.models.OpenClLlama;

import java.io.PrintStream;

/**
 * The {@code --device} option of the commands that run LLaMA inference: {@code cpu} (the Vector API
 * kernels) or {@code opencl} / {@code opencl:N} (the model's weights uploaded to that OpenCL device,
 * which needs the G1 collector: the launcher picks it when it sees {@code opencl}). An absent OpenCL
 * device is an error that lists the devices present.
 */
final class LlamaDevice implements AutoCloseable {
    private final CausalLm lm;
    private final OpenClLlama owned;

    private LlamaDevice(CausalLm lm, OpenClLlama owned) {
        this.lm = lm;
        this.owned = owned;
    }

    /** Places {@code model} on {@code setting} for sequences of up to {@code maxContext} positions. */
    static LlamaDevice open(String setting, LlamaModel model, int maxContext, PrintStream err) {
        if (setting.equals("cpu")) return new LlamaDevice(model, null);
        if (!setting.equals("opencl") && !setting.matches("opencl:\\d+")) {
            throw new IllegalArgumentException("--device must be cpu, opencl or opencl:N, got '" + setting + "'");
        }
        OpenClLlama gpu = OpenClLlama.open(model, setting, maxContext);
        err.printf("device: %s; %.1f MiB uploaded (weights, once)%n", gpu.deviceDescription(), gpu.transfers().bytesUploaded() / 1048576.0);
        return new LlamaDevice(gpu, gpu);
    }

    CausalLm model() { return lm; }

    @Override
    public void close() {
        if (owned != null) owned.close();
    }
}
