package org.visualchat.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive checks of the F32 → BF16/F16 conversions against the definition of round-to-nearest-even:
 * every finite 16-bit value converts back to itself, and for every pair of neighbouring values the
 * exact midpoint (representable in F32 for both formats) goes to the one with an even mantissa, while
 * the floats just below/above it go down/up. This covers subnormals, the overflow threshold and signs.
 */
class HalfFloatRoundingTest {
    private static final int BF16_INF = 0x7F80, F16_INF = 0x7C00;

    @Test
    void bf16RoundsToNearestEvenEverywhere() {
        checkFormat(BF16_INF, 0x1p128, b -> HalfFloats.bf16ToFloat((short) b), f -> HalfFloats.floatToBf16(f) & 0xFFFF);
    }

    @Test
    void f16RoundsToNearestEvenEverywhere() {
        checkFormat(F16_INF, 0x1p16, b -> HalfFloats.f16ToFloat((short) b), f -> HalfFloats.floatToF16(f) & 0xFFFF);
    }

    /** {@code overflowValue}: where the next value after the largest finite one would be, had the exponent room. */
    private static void checkFormat(int inf, double overflowValue, IntFunction<Float> toFloat, ToIntFunction<Float> fromFloat) {
        for (int b = 0; b < inf; b++) {
            float v = toFloat.apply(b);
            assertEquals(b, fromFloat.applyAsInt(v), "exact value " + v);
            assertEquals(b | 0x8000, fromFloat.applyAsInt(-v), "exact value " + -v);
            double next = b + 1 == inf ? overflowValue : toFloat.apply(b + 1);
            float mid = (float) ((v + next) / 2);
            assertEquals((v + next) / 2, mid, 0.0, "midpoint must be exact in F32");
            int even = (b & 1) == 0 ? b : b + 1;
            assertEquals(even, fromFloat.applyAsInt(mid), "tie between " + Integer.toHexString(b) + " and the next value");
            assertEquals(even | 0x8000, fromFloat.applyAsInt(-mid), "negative tie at " + Integer.toHexString(b));
            assertEquals(b, fromFloat.applyAsInt(Math.nextDown(mid)), "just below the midpoint");
            assertEquals(b + 1, fromFloat.applyAsInt(Math.nextUp(mid)), "just above the midpoint");
        }
        assertEquals(inf, fromFloat.applyAsInt(Float.POSITIVE_INFINITY));
        assertEquals(inf | 0x8000, fromFloat.applyAsInt(Float.NEGATIVE_INFINITY));
        assertEquals(inf, fromFloat.applyAsInt(Float.MAX_VALUE));
        assertTrue(Float.isInfinite(toFloat.apply(inf)));
        for (int nanBits : new int[] {0x7FC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF}) {
            int h = fromFloat.applyAsInt(Float.intBitsToFloat(nanBits));
            assertTrue(Float.isNaN(toFloat.apply(h)), "NaN stays NaN: " + Integer.toHexString(nanBits) + " -> " + Integer.toHexString(h));
            assertEquals(nanBits >>> 31, h >>> 15, "NaN keeps its sign");
        }
    }

    @Test
    void knownValues() {
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(1f));
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000))); // tie, 0x3F80 even
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000))); // tie, rounds up to even
        assertEquals((short) 0x3F81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7FC0, HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001))); // signalling NaN made quiet
        assertEquals((short) 0x0001, HalfFloats.floatToBf16(Float.intBitsToFloat(0x00010000))); // smallest bf16 subnormal
        assertEquals((short) 0x0000, HalfFloats.floatToBf16(Float.MIN_VALUE));
        assertEquals((short) 0x3C00, HalfFloats.floatToF16(1f + 0x1p-11f)); // tie, 0x3C00 even
        assertEquals((short) 0x3C02, HalfFloats.floatToF16(1f + 3 * 0x1p-11f)); // tie, rounds up to even
        assertEquals((short) 0x7BFF, HalfFloats.floatToF16(65519f));
        assertEquals((short) 0x7C00, HalfFloats.floatToF16(65520f));
        assertEquals((short) 0x0000, HalfFloats.floatToF16(0x1p-25f)); // half the smallest subnormal: tie to 0
        assertEquals((short) 0x0002, HalfFloats.floatToF16(3 * 0x1p-25f)); // tie between 1 and 2 ulps: to 2
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 1));
        assertEquals(-2f, HalfFloats.bf16ToFloat((short) 0xC000));
    }
}
