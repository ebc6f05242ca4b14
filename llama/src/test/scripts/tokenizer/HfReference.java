// Encodes strings with HF tokenizers (the Rust library, via DJL's JNI binding ai.djl.huggingface:tokenizers)
// for make-hf-goldens.sh. Not part of the build. usage: java -cp DJL_CLASSPATH HfReference.java TOKENIZER_JSON
// STRINGS_JSONL OUT_JSONL, where STRINGS_JSONL holds {"text": ...} lines; writes {"text": ..., "ids": [...]}
// (no BOS/EOS: the tokenizer.json has no post-processor).
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class HfReference {
    public static void main(String[] args) throws Exception {
        Gson gson = new Gson();
        List<String> out = new ArrayList<>();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(Path.of(args[0]),
                Map.of("addSpecialTokens", "false"))) {
            for (String line : Files.readAllLines(Path.of(args[1]))) {
                String text = gson.fromJson(line, JsonObject.class).get("text").getAsString();
                long[] ids = tokenizer.encode(text, false, false).getIds();
                JsonObject row = new JsonObject();
                row.addProperty("text", text);
                row.add("ids", gson.toJsonTree(ids));
                out.add(gson.toJson(row));
            }
        }
        Files.write(Path.of(args[2]), out);
    }
}
