package org.visualchat.mmca.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This process's resident memory from Linux's {@code /proc/self/status} (proc(5)): {@code RssAnon} (heap,
 * off-heap buffers, JIT code: memory we own), {@code RssFile} (pages of mapped files in memory: memory-mapped
 * weights as they are touched) and {@code RssShmem}; their sum is {@code VmRSS}. Issue 4 asks resident memory
 * to stay within mapped weights + KV cache + 10 %, which holds only if weights are read from the mapping and
 * never copied: a copy would show as anonymous memory the size of the weights.
 */
public record ResidentMemory(long anonBytes, long fileBytes, long shmemBytes) {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** Now, or empty where {@code /proc/self/status} has no such fields (not Linux). */
    public static Optional<ResidentMemory> now() {
        String status;
        try {
            status = Files.readString(STATUS);
        } catch (IOException e) {
            return Optional.empty();
        }
        long anon = field(status, "RssAnon:"), file = field(status, "RssFile:"), shmem = field(status, "RssShmem:");
        return anon < 0 || file < 0 || shmem < 0 ? Optional.empty() : Optional.of(new ResidentMemory(anon, file, shmem));
    }

    public long totalBytes() { return anonBytes + fileBytes + shmemBytes; }

    /** A line such as {@code "RssAnon:     1234 kB"}, in bytes; -1 if absent. */
    private static long field(String status, String name) {
        for (String line : status.split("\n")) {
            if (!line.startsWith(name)) continue;
            String[] parts = line.substring(name.length()).trim().split("\\s+");
            if (parts.length == 2 && parts[1].equals("kB")) return Long.parseLong(parts[0]) * 1024;
        }
        return -1;
    }
}
