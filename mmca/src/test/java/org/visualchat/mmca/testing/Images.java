package org.visualchat.mmca.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small generated images for data tests (PNG, so decoding is exact). */
public final class Images {
    private Images() {}

    /** PNG bytes of a {@code width × height} image whose pixels depend on {@code seed}. */
    public static byte[] png(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) image.setRGB(x, y, (x * 7 + seed * 31) << 16 | (y * 5 + seed) << 8 | (x ^ y ^ seed) & 0xFF);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@link #png} to {@code file} (parents created) and returns it. Any extension; content is PNG. */
    public static Path write(Path file, int seed) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, png(24 + seed % 5, 20 + seed % 7, seed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
