package org.visualchat.llama.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.io.GgufFile;
import org.visualchat.tensor.io.GgufMetadata;
import org.visualchat.tensor.io.GgufType;
import org.visualchat.tensor.io.GgufValue;

/**
 * Reads (and writes) the SentencePiece tokenizer that llama.cpp's converters embed in a GGUF file's metadata
 * (formats.md §1.5): {@code tokenizer.ggml.model = "llama"}, {@code .tokens} (string[]), {@code .scores}
 * (f32[]), {@code .token_type} (i32[], SentencePiece's piece types 1 normal … 6 byte), the special ids, and
 * the normaliser flags {@code .add_space_prefix} (default true) and {@code .remove_extra_whitespaces}
 * (default false: llama.cpp's SPM tokenizer never squeezes spaces, and LLaMA's tokenizer.model says the same).
 *
 * <p>GGUF has no {@code byte_fallback} field: llama.cpp falls back to {@code <0xHH>} pieces whenever the
 * vocabulary has them, and a SentencePiece model has byte pieces exactly when it was trained with byte
 * fallback, so their presence decides it. The {@code <unk>} surface is SentencePiece's default " ⁇ ".
 */
final class GgufVocabulary {
    private static final String PREFIX = "tokenizer.ggml.";
    /** SentencePiece's default {@code trainer_spec.unk_surface}, which GGUF does not carry. */
    private static final String UNK_SURFACE = " \u2047 ";

    private GgufVocabulary() {}

    static LlamaTokenizer load(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return fromMetadata(file.toString(), gguf.metadata());
        }
    }

    static LlamaTokenizer fromMetadata(String source, GgufMetadata meta) throws TokenizerFormatException {
        if (!meta.contains(PREFIX + "model")) {
            throw new TokenizerFormatException(source + ": no tokenizer in the GGUF metadata (no "
                    + PREFIX + "model key); pass a tokenizer.model or tokenizer.json");
        }
        String model = meta.getString(PREFIX + "model");
        if (!model.equals("llama")) {
            throw new TokenizerFormatException(source + ": " + PREFIX + "model is \"" + model
                    + "\"; only SentencePiece BPE (\"llama\") is supported");
        }
        if (meta.contains(PREFIX + "precompiled_charsmap") && !meta.getList(PREFIX + "precompiled_charsmap").isEmpty()) {
            throw new TokenizerFormatException(source + ": " + PREFIX + "precompiled_charsmap is not empty; only the "
                    + "identity normaliser (as in LLaMA) is supported");
        }
        List<String> pieces = strings(source, meta, "tokens");
        List<Object> scoreValues = array(source, meta, "scores", GgufType::isFloat, pieces.size());
        List<Object> typeValues = array(source, meta, "token_type", GgufType::isInteger, pieces.size());
        float[] scores = new float[pieces.size()];
        List<PieceType> types = new ArrayList<>(pieces.size());
        for (int id = 0; id < pieces.size(); id++) {
            scores[id] = ((Double) scoreValues.get(id)).floatValue();
            types.add(pieceType(source, id, (Long) typeValues.get(id)));
        }
        Vocabulary vocab = new Vocabulary(source, pieces, scores, types);
        int unk = ModelFileLoader.checkId(source, PREFIX + "unknown_token_id",
                meta.getLong(PREFIX + "unknown_token_id", vocab.unkId()), vocab);
        if (unk != vocab.unkId()) {
            throw new TokenizerFormatException(source + ": " + PREFIX + "unknown_token_id = " + unk
                    + " but the piece of type UNKNOWN is " + vocab.unkId());
        }
        Normalizer normalizer = new Normalizer(meta.getBoolean(PREFIX + "add_space_prefix", true),
                meta.getBoolean(PREFIX + "remove_extra_whitespaces", false), true);
        boolean byteFallback = vocab.hasAnyBytes();
        if (byteFallback && !vocab.hasAllBytes()) {
            throw new TokenizerFormatException(source + ": the vocabulary has byte pieces but not all 256 <0xHH>");
        }
        // SentencePiece's defaults (bos 1, eos 2, no pad) when a converter left a key out.
        return ModelFileLoader.sentencePiece(vocab, normalizer, byteFallback,
                specialId(source, meta, "bos_token_id", 1, vocab), specialId(source, meta, "eos_token_id", 2, vocab),
                specialId(source, meta, "padding_token_id", -1, vocab), UNK_SURFACE);
    }

    /**
     * The {@code tokenizer.ggml.*} entries for a SentencePiece vocabulary, as llama.cpp's converter writes them;
     * {@link #fromMetadata} reads them back into an equal tokenizer (up to a non-default {@code <unk>} surface,
     * which GGUF cannot carry).
     */
    static Map<String, GgufValue> metadata(Vocabulary vocab, Normalizer normalizer, int bos, int eos, int pad) {
        List<String> tokens = new ArrayList<>(vocab.size());
        List<Float> scores = new ArrayList<>(vocab.size());
        List<Integer> types = new ArrayList<>(vocab.size());
        for (int id = 0; id < vocab.size(); id++) {
            tokens.add(vocab.piece(id));
            scores.add(vocab.score(id));
            types.add(vocab.type(id).ordinal() + 1);
        }
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put(PREFIX + "model", GgufValue.string("llama"));
        meta.put(PREFIX + "tokens", GgufValue.array(GgufType.STRING, tokens));
        meta.put(PREFIX + "scores", GgufValue.array(GgufType.FLOAT32, scores));
        meta.put(PREFIX + "token_type", GgufValue.array(GgufType.INT32, types));
        meta.put(PREFIX + "unknown_token_id", GgufValue.u32(vocab.unkId()));
        if (bos >= 0) meta.put(PREFIX + "bos_token_id", GgufValue.u32(bos));
        if (eos >= 0) meta.put(PREFIX + "eos_token_id", GgufValue.u32(eos));
        if (pad >= 0) meta.put(PREFIX + "padding_token_id", GgufValue.u32(pad));
        meta.put(PREFIX + "add_space_prefix", GgufValue.bool(normalizer.addDummyPrefix()));
        meta.put(PREFIX + "remove_extra_whitespaces", GgufValue.bool(normalizer.removeExtraWhitespaces()));
        return meta;
    }

    private static int specialId(String source, GgufMetadata meta, String key, long fallback, Vocabulary vocab)
            throws TokenizerFormatException {
        return ModelFileLoader.checkId(source, PREFIX + key, meta.getLong(PREFIX + key, fallback), vocab);
    }

    /**
     * GGUF's token_type values are SentencePiece's {@code ModelProto.SentencePiece.Type} numbers (also
     * {@link PieceType}'s ordinal + 1, which {@link #metadata} writes).
     */
    private static PieceType pieceType(String source, int id, long type) throws TokenizerFormatException {
        return switch ((int) type) {
            case 1 -> PieceType.NORMAL;
            case 2 -> PieceType.UNKNOWN;
            case 3 -> PieceType.CONTROL;
            case 4 -> PieceType.USER_DEFINED;
            case 5 -> PieceType.UNUSED;
            case 6 -> PieceType.BYTE;
            default -> throw new TokenizerFormatException(source + ": " + PREFIX + "token_type[" + id + "] = " + type
                    + ", expected 1..6 (normal, unknown, control, user-defined, unused, byte)");
        };
    }

    private static List<String> strings(String source, GgufMetadata meta, String field) throws TokenizerFormatException {
        List<Object> values = array(source, meta, field, t -> t == GgufType.STRING, -1);
        if (values.isEmpty()) throw new TokenizerFormatException(source + ": " + PREFIX + field + " is empty");
        return values.stream().map(String.class::cast).toList();
    }

    /** The array at {@code tokenizer.ggml.<field>}, checked for element type and (if {@code length >= 0}) length. */
    private static List<Object> array(String source, GgufMetadata meta, String field,
                                      java.util.function.Predicate<GgufType> elementOk, int length)
            throws TokenizerFormatException {
        String key = PREFIX + field;
        if (!meta.contains(key)) throw new TokenizerFormatException(source + ": missing GGUF metadata key " + key);
        GgufValue value = meta.get(key);
        if (value.type() != GgufType.ARRAY || !elementOk.test(value.elementType())) {
            throw new TokenizerFormatException(source + ": " + key + " is " + value.type()
                    + (value.elementType() == null ? "" : " of " + value.elementType()) + ", not the expected array");
        }
        List<Object> values = value.asList();
        if (length >= 0 && values.size() != length) {
            throw new TokenizerFormatException(source + ": " + key + " has " + values.size() + " entries but "
                    + PREFIX + "tokens has " + length);
        }
        return values;
    }
}
