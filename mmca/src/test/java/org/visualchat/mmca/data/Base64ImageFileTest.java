package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.testing.Fixtures;
import org.visualchat.mmca.testing.Images;
import org.visualchat.vision.image.DecodeOptions;
import org.visualchat.vision.image.ImageDecoder;
import org.visualchat.vision.image.RgbImage;

import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming index over MIMIC-IT's id → base64 files: layout variations, escapes, errors with offsets. */
class Base64ImageFileTest {
    @TempDir
    Path dir;

    @Test
    void indexesStringValuesAndDecodesThemFromTheFile() throws Exception {
        byte[] png = Images.png(9, 7, 3);
        String b64 = Base64.getEncoder().encodeToString(png);
        String escaped = b64.replace("/", "\\/");   // some JSON writers escape '/'
        Path file = Fixtures.text(dir, "SN.json", "{\n  \"SN_IMG_1\" : \"" + b64 + "\",\"SN_\\u0049MG_2\":\"" + escaped
                + "\", \"meta\": {\"a\": [1, \"}\", {\"b\": null}]}, \"n\": 12 ,\"z\":null\r\n}\n");
        Base64ImageFile index = Base64ImageFile.index(file);
        assertEquals(2, index.size());
        assertTrue(index.contains("SN_IMG_2"), "escaped key decoded");
        assertFalse(index.contains("meta"));
        assertNull(index.source("missing"));
        RgbImage expected = ImageDecoder.decode(png, "png", DecodeOptions.PILLOW_PARITY);
        for (String id : new String[] {"SN_IMG_1", "SN_IMG_2"}) {
            RgbImage got = index.source(id).decode(DecodeOptions.PILLOW_PARITY);
            assertEquals(9, got.width());
            assertEquals(expected, got, id);
        }
        assertEquals(0, Base64ImageFile.index(Fixtures.text(dir, "empty.json", " { } ")).size());
    }

    @Test
    void malformedFilesNameTheFileAndByteOffset() {
        String[] bad = {"[]", "{\"a\" \"x\"}", "{\"a\": \"x\" \"b\": \"y\"}", "{\"a\": \"x", "{\"a\": \"x\"} trailing", "{a: \"x\"}"};
        for (int i = 0; i < bad.length; i++) {
            Path file = Fixtures.text(dir, "bad" + i + ".json", bad[i]);
            DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Base64ImageFile.index(file), bad[i]);
            assertTrue(e.getMessage().startsWith(file + " at byte "), e.getMessage());
        }
    }

    @Test
    void aCorruptValueIsAnUnreadableImage() throws Exception {
        Path file = Fixtures.text(dir, "SD.json", "{\"x\": \"bm90IGFuIGltYWdl\", \"y\": \"***\"}");
        Base64ImageFile index = Base64ImageFile.index(file);
        for (String id : new String[] {"x", "y"}) {
            BadSampleException e = assertThrows(BadSampleException.class, () -> index.source(id).decode(DecodeOptions.PILLOW_PARITY));
            assertEquals(SkipReason.UNREADABLE_IMAGE, e.reason());
            assertTrue(e.getMessage().contains("SD.json:" + id) || e.getMessage().contains(id), e.getMessage());
        }
    }
}
