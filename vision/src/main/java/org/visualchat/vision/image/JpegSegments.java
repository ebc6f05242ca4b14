package org.visualchat.vision.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What the decoder needs from a JPEG's marker segments (ITU T.81 Annex B: {@code FF xx}, 2-byte big-endian
 * length, payload), read up to the first start-of-scan.
 *
 * @param componentIds   component identifiers of the frame header (SOFn), one per component; empty if none
 * @param jfif           an APP0 "JFIF" segment is present
 * @param adobeTransform APP14 "Adobe" transform flag (0 = stored as is, 1 = YCbCr, 2 = YCCK), −1 if absent
 * @param exif           the TIFF block of the APP1 "Exif" segment, or null
 */
record JpegSegments(int[] componentIds, boolean jfif, int adobeTransform, ByteBuffer exif) {
    /** The colour space of the stored components. */
    enum ColorSpace { GREY, RGB, YCBCR, CMYK, YCCK }

    static boolean isJpeg(byte[] file) {
        return file.length >= 4 && (file[0] & 0xFF) == 0xFF && (file[1] & 0xFF) == 0xD8;
    }

    /** Scans {@code file} (which starts with SOI); a damaged segment length ends the scan early. */
    static JpegSegments scan(byte[] file) {
        ByteBuffer f = ByteBuffer.wrap(file);
        int[] ids = new int[0];
        boolean jfif = false;
        int transform = -1;
        ByteBuffer exif = null;
        int pos = 2;
        while (pos + 4 <= f.limit() && (f.get(pos) & 0xFF) == 0xFF) {
            int marker = f.get(pos + 1) & 0xFF;
            if (marker == 0xFF) { pos++; continue; } // fill byte
            if (marker == 0xDA || marker == 0xD9) break; // entropy-coded data follows
            int length = f.getShort(pos + 2) & 0xFFFF;
            int payload = pos + 4, size = length - 2;
            if (size < 0 || payload + size > f.limit()) break;
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && size >= 6) { // P, Y(2), X(2), Nf, then Nf × (id, sampling, table)
                int n = f.get(payload + 5) & 0xFF;
                if (size >= 6 + 3 * n) {
                    ids = new int[n];
                    for (int i = 0; i < n; i++) ids[i] = f.get(payload + 6 + 3 * i) & 0xFF;
                }
            }
            if (marker == 0xE0 && startsWith(f, payload, size, "JFIF\0")) jfif = true;
            if (marker == 0xEE && size >= 12 && startsWith(f, payload, size, "Adobe")) transform = f.get(payload + 11) & 0xFF;
            if (marker == 0xE1 && exif == null && startsWith(f, payload, size, "Exif\0\0")) exif = f.slice(payload + 6, size - 6);
            pos = payload + size;
        }
        return new JpegSegments(ids, jfif, transform, exif);
    }

    /**
     * libjpeg's guess of the stored colour space (jdapimin.c {@code default_decompress_parms}), which is
     * what Pillow decodes with: 3 components are YCbCr unless an Adobe marker (without JFIF) says transform 0
     * or, with no marker at all, the component ids spell "RGB"; 4 components are CMYK unless an Adobe
     * marker says a non-zero transform (YCCK).
     */
    ColorSpace colorSpace() {
        return switch (componentIds.length) {
            case 1 -> ColorSpace.GREY;
            case 3 -> {
                if (jfif) yield ColorSpace.YCBCR;
                if (adobeTransform >= 0) yield adobeTransform == 0 ? ColorSpace.RGB : ColorSpace.YCBCR;
                boolean rgbIds = componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B';
                yield rgbIds ? ColorSpace.RGB : ColorSpace.YCBCR;
            }
            case 4 -> adobeTransform > 0 ? ColorSpace.YCCK : ColorSpace.CMYK;
            default -> null;
        };
    }

    private static boolean startsWith(ByteBuffer b, int pos, int size, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.ISO_8859_1);
        if (p.length > size || pos + p.length > b.limit()) return false;
        for (int i = 0; i < p.length; i++) if (b.get(pos + i) != p[i]) return false;
        return true;
    }
}
