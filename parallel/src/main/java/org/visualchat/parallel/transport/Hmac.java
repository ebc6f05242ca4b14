package org.visualchat.parallel.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over length-prefixed parts, so ("ab","c") and ("a","bc") never sign alike. */
final class Hmac {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Hmac() {}

    static byte[] sign(byte[] secret, Object... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            for (Object p : parts) {
                byte[] b = p instanceof byte[] bytes ? bytes : String.valueOf(p).getBytes(StandardCharsets.UTF_8);
                mac.update(ByteBuffer.allocate(4).putInt(0, b.length));
                mac.update(b);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JDK", e);
        }
    }

    /** Constant-time comparison: a refused peer learns nothing from how long the check took. */
    static boolean verify(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    static byte[] nonce() {
        byte[] n = new byte[32];
        RANDOM.nextBytes(n);
        return n;
    }
}
