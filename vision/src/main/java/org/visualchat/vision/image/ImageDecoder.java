package org.visualchat.vision.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads an image file (JPEG, PNG, GIF, BMP, WebP; TIFF through the JDK) into an {@link RgbImage} with the
 * pixel values Pillow's {@code Image.open(p).convert("RGB")} gives — the call DeepSpeed-VisualChat makes
 * (rules in {@link PillowRgb}). The JDK's ImageIO readers decode; TwelveMonkeys' JPEG reader (registered
 * ahead of the JDK's) adds CMYK/YCCK, its WebP reader adds WebP. Animated GIF/WebP: the first frame.
 *
 * <p>Every failure is an {@link ImageDecodeException} whose message starts with the file name: missing,
 * unreadable, unsupported format, more pixels than {@link DecodeOptions#maxPixels()} (checked from the
 * header, before any pixel is decoded), corrupt or truncated data.
 *
 * <pre>{@code
 * RgbImage image = ImageDecoder.decode(Path.of("cat.jpg"));
 * Tensor pixels = ClipPreprocessor.CLIP_224.preprocess(image);   // [3, 224, 224]
 * }</pre>
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode in memory; never spill to temp files
    }

    private ImageDecoder() {}

    /** Decodes with {@link DecodeOptions#DEFAULT} (EXIF orientation applied, Pillow's pixel cap). */
    public static RgbImage decode(Path file) throws ImageDecodeException {
        return decode(file, DecodeOptions.DEFAULT);
    }

    public static RgbImage decode(Path file, DecodeOptions options) throws ImageDecodeException {
        String name = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new ImageDecodeException(name, "is a directory, not an image file");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(name, "image file not found");
        } catch (AccessDeniedException e) {
            throw new ImageDecodeException(name, "permission denied reading image file");
        } catch (OutOfMemoryError | IOException e) {
            throw new ImageDecodeException(name, "cannot read image file: " + e.getMessage(), e);
        }
        return decode(bytes, name, options);
    }

    /** Decodes an encoded image held in memory; {@code name} is used in error messages. */
    public static RgbImage decode(byte[] encoded, String name, DecodeOptions options) throws ImageDecodeException {
        if (encoded.length == 0) throw new ImageDecodeException(name, "empty file, not an image");
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            JpegSegments jpeg = JpegSegments.isJpeg(encoded) ? JpegSegments.scan(encoded) : null;
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                String head = HexFormat.ofDelimiter(" ").formatHex(encoded, 0, Math.min(8, encoded.length));
                throw new ImageDecodeException(name, "unsupported or unrecognised image format (first bytes " + head
                        + "; supported: JPEG, PNG, GIF, BMP, WebP, TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                RgbImage image = read(reader, in, jpeg, name, options);
                return options.pillowParity() ? image : ExifOrientation.apply(image, ExifOrientation.read(encoded));
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ImageDecodeException(name, "corrupt or truncated image data: " + why, e);
        }
    }

    private static RgbImage read(ImageReader reader, ImageInputStream in, JpegSegments jpeg, String name, DecodeOptions options) throws IOException {
        reader.setInput(in, true, true);
        String format = reader.getFormatName().toUpperCase(Locale.ROOT);
        long width = reader.getWidth(0), height = reader.getHeight(0);
        if (width < 1 || height < 1) throw new ImageDecodeException(name, format + " header declares an empty image " + width + "x" + height);
        if (width * height > options.maxPixels()) {
            throw new ImageDecodeException(name, format + " image of " + width + "x" + height + " = " + width * height
                    + " pixels exceeds the limit of " + options.maxPixels() + " pixels (DecodeOptions.maxPixels; decompression bomb guard)");
        }
        TruncationCheck truncation = new TruncationCheck();
        reader.addIIOReadWarningListener(truncation);
        // JPEG: raw components, converted the way libjpeg converts them for Pillow (see PillowRgb).
        JpegSegments.ColorSpace jpegSpace = jpeg == null ? null : jpeg.colorSpace();
        RgbImage image = jpegSpace != null
                ? PillowRgb.fromJpegRaster(reader.readRaster(0, null), jpegSpace)
                : PillowRgb.fromImage(reader.read(0), options.pillowParity());
        if (truncation.warning != null) throw new ImageDecodeException(name, format + " data is truncated (" + truncation.warning + ")");
        return image;
    }

    /**
     * The JPEG readers report a truncated file as a warning and return the image with grey where data was
     * missing; Pillow refuses such files ("image file is truncated"), and so do we.
     */
    private static final class TruncationCheck implements IIOReadWarningListener {
        String warning;

        @Override
        public void warningOccurred(ImageReader source, String message) {
            String m = message.toLowerCase(Locale.ROOT);
            if (warning == null && (m.contains("truncated") || m.contains("premature end"))) warning = message;
        }
    }
}
