package org.visualchat.llama.tokenizer;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.ModelProto;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.NormalizerSpec;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.TrainerSpec;

/**
 * Reads SentencePiece's {@code tokenizer.model} (a serialized {@code sentencepiece.ModelProto}, parsed with the
 * classes generated from {@code src/main/protobuf/sentencepiece_model.proto}).
 *
 * <p>Supported: BPE models with the identity normaliser (empty {@code precompiled_charsmap}, as LLaMA-1/2),
 * {@code add_dummy_prefix}, {@code remove_extra_whitespaces}, {@code escape_whitespaces}, byte fallback,
 * user-defined, control and unused pieces. Refused with a clear message: other model types (unigram, word,
 * char), precompiled character maps (e.g. {@code nmt_nfkc}), {@code treat_whitespace_as_suffix}.
 */
final class ModelFileLoader {
    private ModelFileLoader() {}

    static LlamaTokenizer load(Path file) throws IOException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new TokenizerFormatException(file + ": not a SentencePiece model (protobuf parse failed: "
                    + e.getMessage() + ")", e);
        }
        return fromProto(file.toString(), model);
    }

    static LlamaTokenizer fromProto(String source, ModelProto model) throws TokenizerFormatException {
        if (model.getPiecesCount() == 0) throw new TokenizerFormatException(source + ": the model has no pieces");
        TrainerSpec trainer = model.getTrainerSpec();
        NormalizerSpec spec = model.getNormalizerSpec();
        if (trainer.getModelType() != TrainerSpec.ModelType.BPE) {
            throw new TokenizerFormatException(source + ": trainer_spec.model_type is " + trainer.getModelType()
                    + "; only BPE models are supported");
        }
        if (!spec.getPrecompiledCharsmap().isEmpty()) {
            throw new TokenizerFormatException(source + ": normalizer_spec '" + spec.getName() + "' has a "
                    + spec.getPrecompiledCharsmap().size() + "-byte precompiled_charsmap; only the identity "
                    + "normaliser (empty map, as in LLaMA) is supported");
        }
        if (trainer.getTreatWhitespaceAsSuffix()) {
            throw new TokenizerFormatException(source + ": trainer_spec.treat_whitespace_as_suffix is not supported");
        }
        List<String> pieces = new ArrayList<>(model.getPiecesCount());
        List<PieceType> types = new ArrayList<>(model.getPiecesCount());
        float[] scores = new float[model.getPiecesCount()];
        for (int id = 0; id < model.getPiecesCount(); id++) {
            ModelProto.SentencePiece piece = model.getPieces(id);
            pieces.add(piece.getPiece());
            scores[id] = piece.getScore();
            types.add(switch (piece.getType()) {
                case NORMAL -> PieceType.NORMAL;
                case UNKNOWN -> PieceType.UNKNOWN;
                case CONTROL -> PieceType.CONTROL;
                case USER_DEFINED -> PieceType.USER_DEFINED;
                case UNUSED -> PieceType.UNUSED;
                case BYTE -> PieceType.BYTE;
            });
        }
        Vocabulary vocab = new Vocabulary(source, pieces, scores, types);
        Normalizer normalizer = new Normalizer(spec.getAddDummyPrefix(), spec.getRemoveExtraWhitespaces(),
                spec.getEscapeWhitespaces());
        int bos = checkId(source, "trainer_spec.bos_id", trainer.getBosId(), vocab);
        int eos = checkId(source, "trainer_spec.eos_id", trainer.getEosId(), vocab);
        int pad = checkId(source, "trainer_spec.pad_id", trainer.getPadId(), vocab);
        return sentencePiece(vocab, normalizer, trainer.getByteFallback(), bos, eos, pad, trainer.getUnkSurface());
    }

    /**
     * The tokenizer over a SentencePiece vocabulary, however it was read ({@code tokenizer.model} here, GGUF
     * metadata in {@link GgufVocabulary}). HF's LlamaTokenizer(Fast) treats the model's special pieces as
     * added tokens: a literal "<s>" in the text becomes id 1 in encode() (but stays characters in
     * encodeOrdinary(), as in SentencePiece).
     */
    static LlamaTokenizer sentencePiece(Vocabulary vocab, Normalizer normalizer, boolean byteFallback,
                                        int bos, int eos, int pad, String unkSurface) {
        List<AddedToken> specials = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id) == PieceType.UNKNOWN || vocab.type(id) == PieceType.CONTROL) {
                specials.add(new AddedToken(vocab.piece(id), id, true, false, false));
            }
        }
        return new LlamaTokenizer(vocab, normalizer, new SentencePieceBpe(vocab, byteFallback),
                new AddedTokens(specials), vocab.size(), bos, eos, pad, unkSurface);
    }

    /** A special-token id from the file, -1 meaning "none"; {@code field} names it in the error. */
    static int checkId(String source, String field, long id, Vocabulary vocab) throws TokenizerFormatException {
        if (id < -1 || id >= vocab.size()) {
            throw new TokenizerFormatException(source + ": " + field + " = " + id
                    + " is outside the vocabulary of " + vocab.size() + " pieces");
        }
        return (int) id;
    }
}
