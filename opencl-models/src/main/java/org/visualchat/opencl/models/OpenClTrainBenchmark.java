package org.visualchat.opencl.models;

import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.io.IOException;
import java.util.Locale;

import static org.visualchat.opencl.models.BenchmarkSupport.*;

/**
 * The frozen LLaMA's part of a training step (forward, shifted cross-entropy, backward to the input
 * embeddings) on an OpenCL device ({@link OpenClLlamaLoss}) next to the CPU autograd doing the same, in
 * one process, on random weights: the figure is the median of a few rounds of each, as tokens/s, plus
 * the traffic of one device call. The trainable part (projection, {@code lang_embed}, AdamW) is the same
 * host code either way and is left out.
 *
 * <p>Usage: {@code OpenClTrainBenchmark [device=opencl] [dtype=F32] [shape=hidden,layers,heads,kvHeads,ffn,vocab]
 * [batch=2] [length=128]} (command in opencl/docs/opencl.md). On PoCL the "device" is the host CPU.
 */
public final class OpenClTrainBenchmark {
    private static final int ROUNDS = 3;

    private OpenClTrainBenchmark() {}

    public static void main(String[] args) throws IOException {
        String device = arg(args, 0, "opencl");
        DType dtype = DType.valueOf(arg(args, 1, "F32"));
        int batch = Integer.parseInt(arg(args, 3, "2")), length = Integer.parseInt(arg(args, 4, "128"));
        LlamaConfig config = config(arg(args, 2, "256,4,8,4,704,4096"));
        LlamaModel model = LlamaModel.random(config, 1, dtype);
        Tensor embeds = Tensor.uniform(2, -1, 1, batch, length, config.hiddenSize());
        int[][] labels = new int[batch][length];
        for (int r = 0; r < batch; r++) for (int t = 0; t < length; t++) labels[r][t] = (r * 7919 + t * 104729 + 11) % config.vocabSize();
        System.out.printf(Locale.ROOT, "model: %s, %s weights; batch %d x %d positions; load %s%n", config, dtype, batch, length, loadAverage());
        try (OpenClLlamaLoss gpu = OpenClLlamaLoss.open(model, device, batch, length)) {
            boolean pocl = gpu.deviceDescription().toLowerCase(Locale.ROOT).contains("pocl");
            System.out.println("OpenCL device: " + gpu.deviceDescription() + (pocl ? "  [PoCL: OpenCL on the host CPU, NOT a GPU]" : ""));
            gpu.lossAndGradient(embeds, null, labels);                       // warm-up: program build, JIT
            cpuLossAndGradient(model, embeds, labels);
            double[] cpu = new double[ROUNDS], cl = new double[ROUNDS];
            float clLoss = 0, cpuLoss = 0;
            for (int r = 0; r < ROUNDS; r++) {
                long start = System.nanoTime();
                clLoss = gpu.lossAndGradient(embeds, null, labels).loss();
                cl[r] = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                cpuLoss = cpuLossAndGradient(model, embeds, labels);
                cpu[r] = (System.nanoTime() - start) / 1e9;
            }
            double tokens = (double) batch * length, tCl = tokens / median(cl), tCpu = tokens / median(cpu);
            System.out.printf(Locale.ROOT, "forward + backward to the embeddings  OpenCL %8.1f tok/s   CPU %8.1f tok/s   OpenCL/CPU %.2f   (loss %.6f vs %.6f)%n",
                    tCl, tCpu, tCl / tCpu, clLoss, cpuLoss);
            TransferStats before = gpu.transfers();
            gpu.lossAndGradient(embeds, null, labels);
            TransferStats after = gpu.transfers();
            System.out.printf(Locale.ROOT, "one call moved %d bytes up in %d uploads, %d bytes down%n",
                    after.bytesUploaded() - before.bytesUploaded(), after.uploads() - before.uploads(), after.bytesDownloaded() - before.bytesDownloaded());
        }
    }

    /** The same on the CPU tape: causal forward, shifted token-mean cross-entropy, backward to the embeddings. */
    private static float cpuLossAndGradient(LlamaModel model, Tensor embeds, int[][] labels) {
        int b = embeds.dim(0), l = embeds.dim(1), v = model.config().vocabSize();
        int[] targets = new int[b * (l - 1)];
        for (int r = 0; r < b; r++) System.arraycopy(labels[r], 1, targets, r * (l - 1), l - 1);
        Variable x = Variable.parameter(embeds);
        Variable logits = model.forward(x);
        Variable loss = Losses.crossEntropy(Views.reshape(Views.contiguous(Views.narrow(logits, 1, 0, l - 1)), b * (l - 1), v), Tensor.ofInts(targets, targets.length));
        loss.backward();
        return loss.value().get();
    }
}
