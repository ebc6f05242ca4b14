package org.visualchat.vision.image;

/**
 * How {@link ImageDecoder} turns a file into RGB.
 *
 * @param maxPixels    width × height above which a file is refused before its pixels are decoded, against
 *                     decompression bombs (a few hundred bytes of PNG or WebP can claim 10⁹ pixels). The
 *                     default is Pillow's {@code Image.MAX_IMAGE_PIXELS} (89,478,485 ≈ 0.25 GiB of RGB).
 * @param pillowParity reproduce exactly what DeepSpeed-VisualChat's {@code Image.open(p).convert("RGB")}
 *                     yields, quirks included: the EXIF orientation is ignored (photos from phones come out
 *                     sideways) and 16-bit greyscale PNGs are clipped at 255 instead of scaled (Pillow opens
 *                     them as 32-bit mode "I"). Off by default: orientation is applied and 16-bit grey keeps
 *                     its high byte, like 16-bit colour does in Pillow. Every other rule is the same in both.
 */
public record DecodeOptions(long maxPixels, boolean pillowParity) {
    /** Pillow's {@code MAX_IMAGE_PIXELS}: {@code 1024 * 1024 * 1024 // 4 // 3}. */
    public static final long DEFAULT_MAX_PIXELS = 1024L * 1024 * 1024 / 4 / 3;

    /** Orientation applied, Pillow's pixel cap. */
    public static final DecodeOptions DEFAULT = new DecodeOptions(DEFAULT_MAX_PIXELS, false);

    /** Bit-for-bit what the reference implementation's Pillow call produces. */
    public static final DecodeOptions PILLOW_PARITY = new DecodeOptions(DEFAULT_MAX_PIXELS, true);

    public DecodeOptions {
        if (maxPixels < 1) throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }

    public DecodeOptions withMaxPixels(long limit) { return new DecodeOptions(limit, pillowParity); }
}
