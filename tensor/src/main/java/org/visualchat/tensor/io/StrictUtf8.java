package org.visualchat.tensor.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 decoding that fails on malformed input (the JDK's String constructor silently substitutes U+FFFD). */
final class StrictUtf8 {
    private StrictUtf8() {}

    static final class Malformed extends IllegalArgumentException {
        final int byteOffset;

        Malformed(int byteOffset) {
            super("invalid UTF-8 at byte " + byteOffset);
            this.byteOffset = byteOffset;
        }
    }

    static String decode(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        if (decoder.decode(in, out, true).isError()) throw new Malformed(in.position());
        decoder.flush(out);
        return out.flip().toString();
    }
}
