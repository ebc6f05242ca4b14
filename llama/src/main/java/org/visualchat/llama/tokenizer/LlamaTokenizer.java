package org.visualchat.llama.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.visualchat.tensor.io.GgufMetadata;
import org.visualchat.tensor.io.GgufValue;

/**
 * The LLaMA-1/2 tokenizer: SentencePiece BPE read from {@code tokenizer.model} or HF {@code tokenizer.json},
 * plus HF-style added tokens. Immutable and thread-safe.
 *
 * <p>Two encoders:
 * <ul>
 *   <li>{@link #encode(String, boolean, boolean)} behaves like HF's {@code LlamaTokenizer(Fast)} (legacy
 *       mode), which DS-VisualChat uses: the text is first cut at added tokens ({@code <s>}, {@code </s>},
 *       {@code <unk>}, and any added with {@link #withSpecialTokens}), each stretch between them is encoded by
 *       SentencePiece on its own (so it gets its own dummy-prefix "▁"), and BOS/EOS are added on request;</li>
 *   <li>{@link #encodeOrdinary(String)} is plain SentencePiece ({@code spm_encode}): the whole text, literal
 *       {@code <s>} is just characters, no BOS/EOS.</li>
 * </ul>
 * Decoding follows SentencePiece's rules (see {@link PieceDecoder}).
 */
public final class LlamaTokenizer {
    private final Vocabulary vocab;
    private final Normalizer normalizer;
    private final TextEncoder encoder;
    private final AddedTokens added;
    private final int size;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final String unkSurface;
    private final PieceDecoder decoder;

    LlamaTokenizer(Vocabulary vocab, Normalizer normalizer, TextEncoder encoder, AddedTokens added, int size,
                   int bosId, int eosId, int padId, String unkSurface) {
        this.vocab = vocab;
        this.normalizer = normalizer;
        this.encoder = encoder;
        this.added = added;
        this.size = size;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.unkSurface = unkSurface;
        this.decoder = new PieceDecoder(vocab, unkSurface, normalizer, id -> added.byId(id).content(), size);
    }

    /**
     * Loads {@code tokenizer.model}, {@code tokenizer.json} or the tokenizer embedded in a {@code .gguf} model's
     * metadata (by file name extension), or, for a directory, the {@code tokenizer.model} inside it, else its
     * {@code tokenizer.json}, else the tokenizer of its only {@code .gguf} file.
     *
     * @throws TokenizerFormatException naming the file and field when the file is malformed or unsupported
     */
    public static LlamaTokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            for (String name : new String[] {"tokenizer.model", "tokenizer.json"}) {
                if (Files.exists(path.resolve(name))) return load(path.resolve(name));
            }
            // A llama.cpp model folder (one .gguf, as LlamaLoader accepts) carries its tokenizer inside.
            List<Path> ggufs;
            try (Stream<Path> files = Files.list(path)) {
                ggufs = files.filter(p -> p.getFileName().toString().endsWith(".gguf")).toList();
            }
            if (ggufs.size() == 1) return load(ggufs.getFirst());
            throw new TokenizerFormatException(path + ": no tokenizer.model, tokenizer.json or single .gguf file in this directory");
        }
        if (!Files.isRegularFile(path)) throw new TokenizerFormatException(path + ": no such tokenizer file");
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) return TokenizerJsonLoader.load(path);
        return name.endsWith(".gguf") ? GgufVocabulary.load(path) : ModelFileLoader.load(path);
    }

    /**
     * The SentencePiece tokenizer llama.cpp embeds in GGUF metadata ({@code tokenizer.ggml.*}); equal, token for
     * token, to the one read from the {@code tokenizer.model} it was converted from.
     *
     * @param source names the file in error messages
     * @throws TokenizerFormatException naming the file and key when the metadata has no usable tokenizer
     */
    public static LlamaTokenizer fromGguf(String source, GgufMetadata metadata) throws TokenizerFormatException {
        return GgufVocabulary.fromMetadata(source, metadata);
    }

    /**
     * HF-style encode: split at added tokens, SentencePiece on each stretch of text, optional BOS/EOS.
     *
     * @throws IllegalStateException if BOS/EOS is requested but the model defines none
     */
    public int[] encode(String text, boolean addBos, boolean addEos) {
        IdBuffer out = new IdBuffer();
        if (addBos) out.add(requireDefined(bosId, "BOS"));
        added.split(text, new AddedTokens.Visitor() {
            @Override
            public void text(String segment) {
                encoder.encode(normalizer.normalize(segment), out);
            }

            @Override
            public void token(AddedToken token) {
                out.add(token.id());
            }
        });
        if (addEos) out.add(requireDefined(eosId, "EOS"));
        return out.toArray();
    }

    /** Plain SentencePiece encode of the whole text: what {@code spm_encode --output_format=id} prints. */
    public int[] encodeOrdinary(String text) {
        IdBuffer out = new IdBuffer();
        encoder.encode(normalizer.normalize(text), out);
        return out.toArray();
    }

    /**
     * Ids to text with SentencePiece's decoding rules; added tokens outside the SentencePiece vocabulary print
     * their own text.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}
     */
    public String decode(int[] ids) {
        return decoder.decode(ids);
    }

    /**
     * A tokenizer with these special tokens added, as HF's {@code add_special_tokens} does: a token already
     * known (a piece or an added token) keeps its id, a new one gets the next free id; all are then matched
     * verbatim in the text by {@link #encode}. DS-VisualChat adds {@code "### Image:"}, {@code "<image>"},
     * {@code "<PAD>"} to LLaMA-2, giving ids 32000, 32001, 32002 (see {@link VisualChatTokens}).
     */
    public LlamaTokenizer withSpecialTokens(String... contents) {
        AddedTokens tokens = added;
        int newSize = size;
        for (String content : contents) {
            if (tokens.find(content) != null) continue;
            int existing = vocab.find(content);
            int id = existing >= 0 ? existing : newSize++;
            tokens = tokens.with(new AddedToken(content, id, true, false, false));
        }
        return new LlamaTokenizer(vocab, normalizer, encoder, tokens, newSize, bosId, eosId, padId, unkSurface);
    }

    /**
     * This tokenizer as GGUF metadata ({@code tokenizer.ggml.*}, what llama.cpp's converter writes), to embed in
     * a {@code .gguf} model; {@link #fromGguf} reads it back into an equal tokenizer.
     *
     * @throws IllegalStateException for a tokenizer GGUF's SentencePiece form cannot describe: one read from
     *     {@code tokenizer.json} (merge ranks, not scores), one without byte fallback whose vocabulary has byte
     *     pieces, or tokens added past the vocabulary
     */
    public Map<String, GgufValue> ggufMetadata() {
        if (!(encoder instanceof SentencePieceBpe spm) || spm.byteFallback() != vocab.hasAnyBytes()) {
            throw new IllegalStateException("only a SentencePiece model whose byte fallback matches its byte pieces"
                    + " has a GGUF tokenizer.ggml form");
        }
        if (size != vocab.size()) {
            throw new IllegalStateException(size - vocab.size() + " added tokens lie past the SentencePiece vocabulary"
                    + " of " + vocab.size() + "; GGUF's tokenizer.ggml.tokens cannot hold them");
        }
        return GgufVocabulary.metadata(vocab, normalizer, bosId, eosId, padId);
    }

    /** Number of ids: SentencePiece pieces plus added tokens past them. */
    public int vocabSize() {
        return size;
    }

    /** Id of {@code <s>}, or -1 if the model defines none. */
    public int bosId() {
        return bosId;
    }

    /** Id of {@code </s>}, or -1 if the model defines none. */
    public int eosId() {
        return eosId;
    }

    /** The padding id the model file defines (LLaMA-2: none, -1). */
    public int padId() {
        return padId;
    }

    public int unkId() {
        return vocab.unkId();
    }

    /** The id of an added token's content or of a vocabulary piece (e.g. "▁the", "<0x0A>", "<image>"). */
    public OptionalInt tokenId(String pieceOrToken) {
        AddedToken token = added.find(pieceOrToken);
        if (token != null) return OptionalInt.of(token.id());
        int id = vocab.find(pieceOrToken);
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }

    /** The piece text of an id ("▁Hello", "<0x0A>", "<s>") or an added token's content. */
    public String piece(int id) {
        if (id < 0 || id >= size) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + size + ")");
        }
        return id < vocab.size() ? vocab.piece(id) : added.byId(id).content();
    }

    private static int requireDefined(int id, String what) {
        if (id < 0) throw new IllegalStateException("this tokenizer defines no " + what + " token");
        return id;
    }
}
