package org.visualchat.mmca.data;

import org.visualchat.vision.image.DecodeOptions;
import org.visualchat.vision.image.ImageDecodeException;
import org.visualchat.vision.image.ImageDecoder;
import org.visualchat.vision.image.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Where one image of a sample comes from: a file (COCO, LLaVA, Sparkles, ...) or a base64 string held in an
 * annotation file (MIMIC-IT's {@code SD.json}, {@code SN.json}, ...). Decoded only when the sample is prepared.
 */
public sealed interface ImageSource {
    /** Path or name, for messages and logs. */
    String describe();

    /**
     * The decoded 8-bit RGB image.
     *
     * @throws BadSampleException {@link SkipReason#MISSING_IMAGE} or {@link SkipReason#UNREADABLE_IMAGE}
     */
    RgbImage decode(DecodeOptions options) throws BadSampleException;

    static ImageSource file(Path path) {
        return new FileImage(path);
    }

    static ImageSource base64(String name, String base64) {
        return new Base64Image(name, base64);
    }

    /** An image file on disk. */
    record FileImage(Path path) implements ImageSource {
        @Override
        public String describe() {
            return path.toString();
        }

        @Override
        public RgbImage decode(DecodeOptions options) throws BadSampleException {
            if (!Files.isRegularFile(path)) throw new BadSampleException(SkipReason.MISSING_IMAGE, path + ": no such image file");
            try {
                return ImageDecoder.decode(path, options);
            } catch (ImageDecodeException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, e.getMessage(), e);
            }
        }
    }

    /** An encoded image (JPEG, PNG, ...) stored as base64 text under {@code name}. */
    record Base64Image(String name, String base64) implements ImageSource {
        @Override
        public String describe() {
            return name;
        }

        @Override
        public RgbImage decode(DecodeOptions options) throws BadSampleException {
            byte[] bytes;
            try {
                bytes = Base64.getMimeDecoder().decode(base64);
            } catch (IllegalArgumentException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, name + ": bad base64: " + e.getMessage(), e);
            }
            try {
                return ImageDecoder.decode(bytes, name, options);
            } catch (ImageDecodeException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, e.getMessage(), e);
            }
        }
    }
}
