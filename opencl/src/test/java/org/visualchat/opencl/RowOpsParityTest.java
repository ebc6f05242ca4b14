package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Norm;
import org.visualchat.tensor.ops.Softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Softmax (plain, masked, MMCA two-branch) and RMSNorm/LayerNorm against the CPU ops. Tolerances:
 * softmax 1e-6 absolute + 1e-5 relative (OpenCL exp ≤ 3 ulp, different summation order); norms
 * 2e-6 absolute + 1e-5 relative.
 */
class RowOpsParityTest extends DeviceTestBase {
    @Test
    void softmaxPlainOnAwkwardRows() {
        for (int[] shape : new int[][] {{1}, {7, 33}, {3, 5, 1000}, {2, 3, 4, 65}}) {
            Tensor x = Tensor.uniform(shape.length, -8, 8, shape);
            assertClose(Softmax.softmax(x), gpu.download(gpu.softmax(gpu.upload(x))), 1e-6, 1e-5, "softmax " + java.util.Arrays.toString(shape));
        }
    }

    @Test
    void softmaxWithBroadcastCausalMaskAndFullyMaskedRow() {
        int s = 17;
        Tensor x = Tensor.uniform(5, -4, 4, 2, 3, s, s);
        Tensor mask = OpenClTesting.causal(s);
        for (int j = 0; j < s; j++) mask.set(Float.NEGATIVE_INFINITY, 4, j);   // row 4 sees nothing: zeros
        Tensor device = gpu.download(gpu.softmax(gpu.upload(x), gpu.upload(mask)));
        assertClose(Softmax.softmax(x, mask), device, 1e-6, 1e-5, "masked softmax");
        assertEquals(0f, device.get(1, 2, 4, 0));
    }

    @Test
    void twoBranchSoftmaxIsTheSumOfTwoMaskedSoftmaxesWithStrictEmptyBranches() {
        // Modality codes (1 text, 2 image) of deepspeed-visualchat.md §2.5's example: queries 0 and 1 see
        // no image key, so their image branch is empty and (strict semantics) adds nothing.
        int[] codes = {1, 1, 2, 2, 1, 1, 2, 1};
        int l = codes.length;
        Tensor[] masks = OpenClTesting.mmcaMasks(codes);
        Tensor image = masks[0], text = masks[1];
        Tensor x = Tensor.uniform(6, -3, 3, 2, 2, l, l);
        Tensor expected = Elementwise.add(Softmax.softmax(x, image), Softmax.softmax(x, text));
        Tensor device = gpu.download(gpu.softmaxTwoBranch(gpu.upload(x), gpu.upload(image), gpu.upload(text)));
        assertClose(expected, device, 1e-6, 1e-5, "two-branch softmax");
        assertEquals(1f, rowSum(device, 1), 1e-6);     // text before any image: text branch only
        assertEquals(2f, rowSum(device, 4), 1e-6);     // text after an image: both branches
        assertEquals(1f, device.get(0, 0, 2, 2), 1e-6); // an image query's image branch is itself
    }

    private static float rowSum(Tensor p, int row) {
        float s = 0;
        for (int j = 0; j < p.dim(-1); j++) s += p.get(0, 1, row, j);
        return s;
    }

    @Test
    void rmsNormAndLayerNormWithAndWithoutParameters() {
        for (int[] shape : new int[][] {{1, 1}, {7, 33}, {3, 1000}, {2, 5, 17}}) {
            int d = shape[shape.length - 1];
            Tensor x = Tensor.uniform(d, -3, 5, shape), w = Tensor.uniform(d + 1, 0.5f, 1.5f, d), b = Tensor.uniform(d + 2, -1, 1, d);
            DeviceTensor dx = gpu.upload(x), dw = gpu.upload(w), db = gpu.upload(b);
            String at = java.util.Arrays.toString(shape);
            assertClose(Norm.rmsNorm(x, w, 1e-6f), gpu.download(gpu.rmsNorm(dx, dw, 1e-6f)), 2e-6, 1e-5, "rmsNorm " + at);
            assertClose(Norm.rmsNorm(x, null, 1e-5f), gpu.download(gpu.rmsNorm(dx, null, 1e-5f)), 2e-6, 1e-5, "rmsNorm no weight " + at);
            assertClose(Norm.layerNorm(x, w, b, 1e-5f), gpu.download(gpu.layerNorm(dx, dw, db, 1e-5f)), 2e-6, 1e-5, "layerNorm " + at);
            assertClose(Norm.layerNorm(x, null, null, 1e-5f), gpu.download(gpu.layerNorm(dx, null, null, 1e-5f)), 2e-6, 1e-5, "layerNorm bare " + at);
        }
    }
}
