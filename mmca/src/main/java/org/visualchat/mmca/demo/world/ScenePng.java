package org.visualchat.mmca.demo.world;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.vision.image.RgbImage;

/** Writes an {@link RgbImage} as a PNG, through a temporary file and a rename so no half-written image is left. */
public final class ScenePng {
    private ScenePng() {}

    public static void write(RgbImage image, Path file) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.sample(x, y, 0) << 16 | image.sample(x, y, 1) << 8 | image.sample(x, y, 2));
            }
        }
        AtomicFile.write(file, channel -> {
            if (!ImageIO.write(out, "png", Channels.newOutputStream(channel))) throw new IOException("no PNG writer in this JDK");
        });
    }
}
