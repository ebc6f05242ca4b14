package org.visualchat.mmca.data;

import org.visualchat.vision.image.DecodeOptions;
import org.visualchat.vision.image.ImageDecodeException;
import org.visualchat.vision.image.ImageDecoder;
import org.visualchat.vision.image.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Where one image of a sample comes from: a file (COCO, LLaVA, Sparkles, ...) or a base64 string stored inside a
 * JSON file (MIMIC-IT's {@code SD.json}, {@code SN.json}, ...; see {@link Base64ImageFile}). Read and decoded only
 * when the sample is prepared.
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

    /** The encoded bytes (JPEG, PNG, ...) as stored, e.g. for debug dumps. */
    byte[] encoded() throws BadSampleException;

    static ImageSource file(Path path) {
        return new FileImage(path);
    }


    /** An image file on disk. */
    record FileImage(Path path) implements ImageSource {
        @Override
        public String describe() {
            return path.toString();
        }

        @Override
        public RgbImage decode(DecodeOptions options) throws BadSampleException {
            requireFile();
            try {
                return ImageDecoder.decode(path, options);
            } catch (ImageDecodeException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, e.getMessage(), e);
            }
        }

        @Override
        public byte[] encoded() throws BadSampleException {
            requireFile();
            try {
                return Files.readAllBytes(path);
            } catch (java.io.IOException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, path + ": " + e.getMessage(), e);
            }
        }

        private void requireFile() throws BadSampleException {
            if (!Files.isRegularFile(path)) throw new BadSampleException(SkipReason.MISSING_IMAGE, path + ": no such image file");
        }
    }

    /** An encoded image (JPEG, PNG, ...) stored as a base64 JSON string at {@code offset} (after the quote) in {@code file}. */
    record StoredBase64(String name, Path file, long offset, int length) implements ImageSource {
        @Override
        public String describe() {
            return name;
        }

        @Override
        public RgbImage decode(DecodeOptions options) throws BadSampleException {
            try {
                return ImageDecoder.decode(encoded(), name, options);
            } catch (ImageDecodeException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, e.getMessage(), e);
            }
        }

        @Override
        public byte[] encoded() throws BadSampleException {
            try {
                return Base64.getMimeDecoder().decode(Base64ImageFile.readValue(file, offset, length));
            } catch (java.io.IOException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, name + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, name + ": bad base64: " + e.getMessage(), e);
            }
        }
    }
}
