package org.visualchat.parallel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A user-space TCP proxy between two ranks that flips one byte of the client→server stream at a given
 * offset (distributed.md §8.1: kernel corruption never reaches us, TCP checksums catch it, so only a
 * proxy can exercise the CRC32C).
 */
final class CorruptingProxy implements AutoCloseable {
    private final ServerSocket listener;

    CorruptingProxy(int targetPort, long flipAt) throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread t = new Thread(() -> {
            try (Socket client = listener.accept(); Socket server = new Socket("127.0.0.1", targetPort)) {
                Thread back = Thread.ofPlatform().daemon().start(() -> pump(server, client, -1));
                pump(client, server, flipAt);
                back.join(60_000);
            } catch (IOException | InterruptedException e) {
                // The ranks close their sockets when the group aborts; nothing left to forward.
            }
        }, "corrupting-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() { return listener.getLocalPort(); }

    /**
     * Copies one direction until its end, then passes the FIN on. Closing the sockets here instead (closing a
     * socket's stream closes the socket) would reset a rank still sending the other way, and the reset can
     * reach it before the ABORT this direction just carried: both directions end before the sockets close.
     */
    private static void pump(Socket from, Socket to, long flipAt) {
        byte[] buf = new byte[64 << 10];
        long seen = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) > 0; seen += n) {
                if (flipAt >= seen && flipAt < seen + n) buf[(int) (flipAt - seen)] ^= 0x10;
                out.write(buf, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // Either side closed: the proxy's job is over.
        }
    }

    @Override
    public void close() throws IOException { listener.close(); }
}
