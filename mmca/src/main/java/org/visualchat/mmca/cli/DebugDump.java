package org.visualchat.mmca.cli;

import org.visualchat.mmca.data.BadSampleException;
import org.visualchat.mmca.data.Conversation;
import org.visualchat.mmca.data.ImageSource;
import org.visualchat.mmca.prompt.ConversationEncoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The original's {@code --data_debug_path} files ({@code utils/data/utils.py save_debug_image/save_debug_text}):
 * per sample k, {@code gpu_rank{r}_debug{k}_text.txt} with the rendered rounds and {@code gpu_rank{r}_debug{k}_image{i}.jpg}
 * with each image's stored bytes (the original names them .jpg whatever they hold; so does this). Images that
 * cannot be read are left out (the sample's check reports them).
 */
final class DebugDump {
    private DebugDump() {}

    static void write(Path dir, int rank, int k, Conversation c) throws IOException {
        Files.createDirectories(dir);
        String prefix = "gpu_rank" + rank + "_debug" + k;
        StringBuilder text = new StringBuilder();
        for (String round : ConversationEncoder.render(c.turns(), c.numbering())) text.append("<s>").append(round).append("</s>");
        writeWhole(dir.resolve(prefix + "_text.txt"), text.toString().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < c.images().size(); i++) {
            ImageSource image = c.images().get(i);
            try {
                writeWhole(dir.resolve(prefix + "_image" + i + ".jpg"), image.encoded());
            } catch (BadSampleException e) {
                // reported by the check; nothing to dump
            }
        }
    }

    /** Temp file + rename, so a dump is never left half-written. */
    private static void writeWhole(Path file, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
