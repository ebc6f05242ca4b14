package org.visualchat.parallel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** MASTER_PORT is picked where the kernel's own port choices (bind to port 0, connect) cannot take it. */
class LauncherPortTest {

    @Test
    void freePortIsBindableAndBelowTheEphemeralRange() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int low = Files.exists(range) ? Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]) : 0;
        for (int i = 0; i < 20; i++) {
            int port = Launcher.freePort();
            try (ServerSocket s = new ServerSocket(port)) {
                assertTrue(s.isBound());
            }
            if (low > 1024) assertTrue(port >= 1024 && port < low, "port " + port + " is not in [1024, " + low + ")");
        }
    }
}
