package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The bicubic position-table resize against PyTorch 1.13 {@code F.interpolate(mode="bicubic",
 * align_corners=False)} outputs (golden values produced with Debian python3-torch) and against the naive
 * 2-D formula on the QWen sizes; the sin-cos table against MAE's numpy code.
 */
class PositionTablesTest {
    /** The input torch saw: t[k] = 2·sin(0.7k) + cos(0.13k) for k = 0 .. n−1, shaped [rows, d]. */
    private static Tensor probe(int rows, int d) {
        float[] t = new float[rows * d];
        for (int k = 0; k < t.length; k++) t[k] = (float) (2 * Math.sin(k * 0.7f) + Math.cos(k * 0.13f));
        return Tensor.of(t, rows, d);
    }

    private static void assertTorch(int gh, int gw, int nh, int nw, int d, float[] torch) {
        Tensor out = PositionInterpolation.resize(Variable.of(probe(gh * gw, d)), gh, gw, nh, nw).value();
        float[] got = out.contiguous().toFloatArray();
        assertEquals(torch.length, got.length);
        for (int i = 0; i < got.length; i++) assertEquals(torch[i], got[i], 2e-5, gh + "×" + gw + " → " + nh + "×" + nw + " element " + i);
    }

    @Test
    void matchesTorchBicubicUpsampling() {
        assertTorch(3, 3, 5, 5, 2, new float[] {9.938041568e-01f, 2.605876684e+00f, 2.135241508e+00f, 2.933846712e+00f, 3.291875601e+00f, 2.865172625e+00f, 2.366780996e+00f, 1.067760706e+00f, 1.364809036e+00f, -3.842279613e-01f, -1.313327253e-01f, 6.179302335e-01f, 5.746533871e-01f, 1.273533344e+00f, 1.520246625e+00f, 1.970878959e+00f, 1.827314615e+00f, 1.565627933e+00f, 1.875856042e+00f, 1.085964799e+00f, -1.058726430e+00f, -1.521553516e+00f, -1.093498945e+00f, -7.843704820e-01f, -7.563130856e-01f, 4.237789810e-01f, 6.942777634e-01f, 1.587622285e+00f, 1.805899620e+00f, 2.279185534e+00f, 6.656193137e-01f, -3.880849779e-01f, -1.601722240e-01f, -8.728615046e-01f, -1.158897877e+00f, -1.299255013e+00f, -1.108130097e+00f, -6.587254405e-01f, -8.533318043e-01f, -4.496638104e-02f, 2.270791531e+00f, 9.938971996e-01f, 9.577998519e-01f, -5.054084659e-01f, -1.001025915e+00f, -2.374694347e+00f, -2.336799622e+00f, -2.496409416e+00f, -3.008277655e+00f, -2.196363449e+00f});
        assertTorch(2, 3, 6, 4, 1, new float[] {7.055553794e-01f, 1.707526803e+00f, 2.853268385e+00f, 3.317085028e+00f, 9.081251621e-01f, 1.746536016e+00f, 2.657478333e+00f, 2.984468222e+00f, 1.482072473e+00f, 1.857062578e+00f, 2.102740288e+00f, 2.042055368e+00f, 2.157306194e+00f, 1.987095356e+00f, 1.450109482e+00f, 9.333357811e-01f, 2.731254339e+00f, 2.097622156e+00f, 8.953717351e-01f, -9.077324532e-03f, 2.933823347e+00f, 2.136630774e+00f, 6.995816827e-01f, -3.416936696e-01f});
    }

    @Test
    void matchesTorchBicubicDownsamplingWithoutAntialias() {
        assertTorch(3, 3, 2, 5, 1, new float[] {1.435490847e+00f, 1.771122694e+00f, 2.213407278e+00f, 2.331665277e+00f, 2.333670139e+00f, -8.364802599e-02f, -3.701325059e-01f, -7.227235436e-01f, -7.284544706e-01f, -6.578016281e-01f});
        assertTorch(4, 4, 7, 3, 1, new float[] {1.154639244e+00f, 3.085816383e+00f, 3.103498220e+00f, 1.353288293e+00f, 1.520178080e+00f, 1.122852445e+00f, 1.430449963e+00f, -4.593883455e-01f, -1.250797629e+00f, 1.838229895e-01f, 5.393425375e-02f, 3.695452511e-01f, -5.726842284e-01f, 1.064450741e+00f, 1.984558105e+00f, 7.102516890e-01f, 3.080639243e-01f, -4.022031128e-01f, 1.790056825e+00f, -3.636968434e-01f, -2.392427444e+00f});
    }

    @Test
    void qwenSixteenToThirtyTwoMatchesTheNaiveFormula() {
        Tensor table = Tensor.randn(5, 1f, 256, 6);
        float[] got = PositionInterpolation.resize(Variable.of(table), 16, 16, 32, 32).value().contiguous().toFloatArray();
        float[] in = table.toFloatArray();
        double[][] rows = new double[256][6];
        for (int i = 0; i < 256; i++) for (int j = 0; j < 6; j++) rows[i][j] = in[i * 6 + j];
        double[][] expected = NaiveVit.bicubic(rows, 16, 16, 32, 32);
        for (int i = 0; i < 1024; i++) for (int j = 0; j < 6; j++) assertEquals(expected[i][j], got[i * 6 + j], 1e-5);
    }

    @Test
    void sameGridIsReturnedUnchangedAndBadShapesAreRejected() {
        Variable t = Variable.of(Tensor.randn(1, 1f, 9, 4));
        assertSame(t, PositionInterpolation.resize(t, 3, 3, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> PositionInterpolation.resize(t, 4, 4, 8, 8));
    }

    @Test
    void gradientFlowsThroughTheResize() {
        GradCheck.check("bicubic resize", in -> PositionInterpolation.resize(in[0], 3, 2, 4, 5), GradCheck.randn(3, 6, 3));
    }

    @Test
    void sinCosTableMatchesMaesNumpyCode() {
        float[] mae = {0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f, 0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 0.000000000e+00f, 0.000000000e+00f, 1.000000000e+00f, 1.000000000e+00f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f, 8.414710164e-01f, 9.999833070e-03f, 5.403022766e-01f, 9.999499917e-01f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f, 9.092974067e-01f, 1.999866590e-02f, -4.161468148e-01f, 9.998000264e-01f};
        float[] got = SinCos2d.table(8, 3).toFloatArray();
        for (int i = 0; i < mae.length; i++) assertEquals(mae[i], got[i], 1e-6, "element " + i);
        assertThrows(IllegalArgumentException.class, () -> SinCos2d.table(6, 2));
    }
}
