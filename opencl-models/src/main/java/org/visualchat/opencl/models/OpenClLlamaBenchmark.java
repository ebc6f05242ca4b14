package org.visualchat.opencl.models;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

import static org.visualchat.opencl.models.BenchmarkSupport.*;

/**
 * Whole-model LLaMA decode speed on an OpenCL device next to the CPU model, in one process, on
 * random weights of a given shape: each round prefills a prompt in a fresh session on both backends,
 * then times the same decode steps on each; the figure is the median round. Also prints what one
 * decode step moves between host and device.
 *
 * <p>Usage: {@code OpenClLlamaBenchmark [device=opencl] [dtype=Q8_0] [shape=hidden,layers,heads,kvHeads,ffn,vocab]
 * [prompt=32] [steps=16]} (command in opencl/docs/opencl.md). On PoCL the "device" is the same CPU, so the
 * ratio measures PoCL's code and Aparapi's launch cost against the Vector API path, not a GPU.
 */
public final class OpenClLlamaBenchmark {
    private static final int ROUNDS = 3;

    private OpenClLlamaBenchmark() {}

    public static void main(String[] args) throws IOException {
        String device = arg(args, 0, "opencl");
        DType dtype = DType.valueOf(arg(args, 1, "Q8_0"));
        int prompt = Integer.parseInt(arg(args, 3, "32")), steps = Integer.parseInt(arg(args, 4, "16"));
        LlamaConfig config = config(arg(args, 2, "512,4,8,4,1408,4096"));
        LlamaModel model = LlamaModel.random(config, 1, dtype);
        int[] ids = new int[prompt + steps];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7919 + 11) % config.vocabSize();
        Tensor promptEmbeds = model.embedTokens(Tensor.ofInts(Arrays.copyOf(ids, prompt), 1, prompt));
        System.out.printf(Locale.ROOT, "model: %s, %s weights; prompt %d, %d decode steps; load %s%n", config, dtype, prompt, steps, loadAverage());
        try (OpenClLlama gpu = OpenClLlama.open(model, device, prompt + steps)) {
            boolean pocl = gpu.deviceDescription().toLowerCase(Locale.ROOT).contains("pocl");
            System.out.println("OpenCL device: " + gpu.deviceDescription() + (pocl ? "  [PoCL: OpenCL on the host CPU, NOT a GPU]" : ""));
            double[] cpu = new double[ROUNDS], cl = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                cl[r] = decodeSeconds(gpu, promptEmbeds, ids, prompt, steps);
                cpu[r] = decodeSeconds(model, promptEmbeds, ids, prompt, steps);
            }
            double tCl = steps / median(cl), tCpu = steps / median(cpu);
            System.out.printf(Locale.ROOT, "decode  OpenCL %8.2f tok/s   CPU %8.2f tok/s   OpenCL/CPU %.2f%n", tCl, tCpu, tCl / tCpu);
            try (CausalLm.Session session = gpu.start(2, DType.F32)) {
                session.inferToken(ids[0], null);
                TransferStats before = gpu.transfers();
                session.inferToken(ids[1], null);
                TransferStats after = gpu.transfers();
                System.out.printf(Locale.ROOT, "one decode step moved %d bytes up in %d uploads, %d bytes down%n",
                        after.bytesUploaded() - before.bytesUploaded(), after.uploads() - before.uploads(), after.bytesDownloaded() - before.bytesDownloaded());
            }
        }
    }

    /** A fresh session, the prompt (untimed), then the decode steps (timed). */
    private static double decodeSeconds(CausalLm lm, Tensor promptEmbeds, int[] ids, int prompt, int steps) {
        try (CausalLm.Session session = lm.start(prompt + steps, DType.F32)) {
            session.inferLast(promptEmbeds, null);
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) session.inferToken(ids[prompt + i], null);
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
