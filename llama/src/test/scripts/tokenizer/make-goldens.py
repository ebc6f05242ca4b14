#!/usr/bin/python3
"""Writes the golden (text, ids) files the Java tokenizer tests compare against, produced by the reference
SentencePiece 0.1.97 (Debian `python3-sentencepiece`, the library behind `spm_encode`; run with Debian's own
/usr/bin/python3). The ids are facts about the models, not the models themselves, so they can be committed
even for Meta's LLaMA-2 tokenizer.model, which is not.

usage: make-goldens.py LLAMA2_TOKENIZER_MODEL [OUT_DIR]
  LLAMA2_TOKENIZER_MODEL: Meta's file (md5 eeec4125e9c7560836b4873b6f8e3025), e.g. the one the tests cache
  under ~/.cache/visualchat/tokenizer/llama2-tokenizer.model.
Output (gzip, one JSON object per line): {"text": ..., "ids": [...]} (encode, no BOS/EOS) and, in the *-decode
files, {"ids": [...], "text": ...} (decode of arbitrary id sequences).
"""
import glob, gzip, hashlib, io, json, os, random, subprocess, sys
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
LLAMA2 = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "../../resources/tokenizer")
assert hashlib.md5(open(LLAMA2, "rb").read()).hexdigest() == "eeec4125e9c7560836b4873b6f8e3025", LLAMA2

EDGE_CASES = [
    "", " ", "  ", "   ", "\t", "\n", "\r\n", " \t \n ", "a", " a", "a ", "  a  ", "Hello world!",
    "hello  world ", "12345", "3.14159", "1,000,000", "0x7fffffff", "🦙", "🦙🦙", "👨‍👩‍👧‍👦", "👍🏽", "🇫🇷🇯🇵",
    "a\u00a0\u00a0b", "\u00a0", "\u200b", "\ufeffBOM", "▁", "▁▁", "▁a▁", " ▁ ", "<s>", "</s>", "<unk>",
    "<s>Hello</s>", "<0x41>", "<image>", "### Image:", "### Image 1:\n<image>\n", "<PAD>",
    "e\u0301", "\u0301", "Zalgo: Z\u0351\u036b\u0343a\u0352\u0302l\u0310g\u0344o", "ﬁ ligature", "Å Å",
    "日本語のテキスト", "中文文本测试", "한국어 텍스트", "Русский текст", "Ελληνικά", "עברית", "العربية",
    "हिन्दी", "ภาษาไทย", "𠜎𠜱𠝹𠱓", "\U0010ffff", "\ue000", "\x00", "\x01\x02\x1f\x7f", "tab\tseparated\tvalues",
    "line1\nline2\n\nline4", "trailing newline\n", "\n\nleading newlines", "    indented code",
    "def f(x):\n    return x ** 2  # square\n", "for (int i = 0; i < n; i++) { sum += a[i]; }",
    "SELECT * FROM users WHERE id = 42;", "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "https://example.com/path?query=1&x=%20", "user@example.org", "C:\\Windows\\System32",
    "!!!???...;;;", "--- *** ___ ===", "a" * 300, "ab" * 150, " " * 40, "\t" * 10, "😀" * 20,
    "Supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "Ünïcödé wïth äccénts", "naïve café résumé", "Straße", "İstanbul", "ǅ ǈ ǋ",
]

ALPHABETS = {
    "ascii": [chr(c) for c in range(0x21, 0x7f)],
    "space": [" "] * 6 + ["\t", "\n", "\r", "\u00a0", "\u3000", "\u2009"],
    "digits": list("0123456789"),
    "latin1": [chr(c) for c in range(0xa1, 0x100)],
    "latin_ext": [chr(c) for c in range(0x100, 0x250)],
    "cyrillic": [chr(c) for c in range(0x410, 0x450)],
    "greek": [chr(c) for c in range(0x391, 0x3ca) if c != 0x3a2],
    "arabic": [chr(c) for c in range(0x621, 0x64b)],
    "hebrew": [chr(c) for c in range(0x5d0, 0x5eb)],
    "devanagari": [chr(c) for c in range(0x905, 0x940)],
    "thai": [chr(c) for c in range(0xe01, 0xe3a)],
    "cjk": [chr(c) for c in range(0x4e00, 0x4e00 + 3000)],
    "kana": [chr(c) for c in range(0x3041, 0x30ff)],
    "hangul": [chr(c) for c in range(0xac00, 0xac00 + 2000)],
    "combining": [chr(c) for c in range(0x300, 0x36f)],
    "emoji": [chr(c) for c in range(0x1f600, 0x1f650)] + [chr(c) for c in range(0x1f980, 0x1f9c0)]
             + ["\u200d", "\ufe0f", "\U0001f3fd"],
    "special": ["\u200b", "\ufeff", "▁", "\u2581\u2581", "<s>", "</s>", "<unk>", "\x00", "\x07", "\x1b",
                "\U00020000", "\U0002a6d6", "\ue000", "\uffff", "\u2028", "\u202e"],
}

def random_string(rng):
    mix = rng.sample(sorted(ALPHABETS), rng.randint(1, 4))
    n = rng.choice([1, 2, 3, 5, 8, 13, 21, 34, 60, 120])
    return "".join(rng.choice(ALPHABETS[rng.choice(mix)]) for _ in range(n))

def random_words(rng):
    words = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.6:
            words.append("".join(rng.choice("etaoinshrdlucmfwypvbgkjqxz") for _ in range(rng.randint(1, 12))))
        elif kind < 0.75:
            words.append(str(rng.randint(0, 10 ** rng.randint(1, 12))))
        elif kind < 0.9:
            words.append(random_string(rng))
        else:
            words.append(rng.choice(["The", "the", "of", "and", "to", "in", "is", "that", "for", "it"]))
    seps = [" ", " ", " ", "  ", "\t", "\n", ", ", ". ", " - ", ""]
    return "".join(w + rng.choice(seps) for w in words).rstrip(rng.choice(["", " "]))

def text_lines(rng, count):
    files = sorted(f for f in glob.glob("/usr/share/common-licenses/*") if not os.path.islink(f))
    lines = [l.rstrip("\n") for f in files for l in open(f, encoding="utf-8", errors="replace")]
    lines = [l for l in lines if l.strip()]
    return rng.sample(lines, count)

def strings(seed, n_lines, n_random, n_words, n_long):
    rng = random.Random(seed)
    out = list(EDGE_CASES) + text_lines(rng, n_lines)
    out += [random_string(rng) for _ in range(n_random)]
    out += [random_words(rng) for _ in range(n_words)]
    # Long unseen "words": rare scripts glued together force byte fallback / unknown runs in the middle.
    out += ["".join(rng.choice(ALPHABETS[rng.choice(["cjk", "hangul", "emoji", "special", "devanagari"])])
                    for _ in range(rng.randint(30, 100))) for _ in range(n_long)]
    return out

def random_ids(rng, vocab):
    n = rng.choice([0, 1, 2, 3, 5, 8, 20])
    special = [0, 1, 2, 3, 4, 5, 6] + list(range(3, 259)) if vocab > 1000 else list(range(0, 10))
    return [rng.choice(special) if rng.random() < 0.3 else rng.randrange(vocab) for _ in range(n)]

def gzip_text(path):
    # mtime=0 and no file name in the header: regenerating unchanged goldens gives identical bytes.
    return io.TextIOWrapper(gzip.GzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0), encoding="utf-8")

def write(name, model, texts, n_decode, seed):
    sp = spm.SentencePieceProcessor(model_file=model)
    with gzip_text(os.path.join(OUT, name + ".jsonl.gz")) as f:
        for t in texts:
            f.write(json.dumps({"text": t, "ids": sp.encode(t)}, ensure_ascii=False) + "\n")
    rng = random.Random(seed)
    with gzip_text(os.path.join(OUT, name + "-decode.jsonl.gz")) as f:
        # Round trips of the encode strings with BOS/EOS around them, then arbitrary id sequences.
        seqs = [[1] + sp.encode(t) + [2] for t in texts[:200]]
        seqs += [random_ids(rng, sp.get_piece_size()) for _ in range(n_decode)]
        for ids in seqs:
            f.write(json.dumps({"ids": ids, "text": sp.decode(ids)}, ensure_ascii=False) + "\n")
    one_line = [t for t in texts if t and not any(c in t for c in "\n\r\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")]
    cli = subprocess.run(["spm_encode", "--model=" + model, "--output_format=id"], check=True, capture_output=True,
                         input="".join(t + "\n" for t in one_line).encode()).stdout.decode().split("\n")
    bad = [t for t, o in zip(one_line, cli) if [int(x) for x in o.split()] != sp.encode(t)]
    assert not bad, ("spm_encode CLI and library disagree", bad[:3])
    print(name, len(texts), "strings;", len(one_line), "also checked with the spm_encode CLI")

write("llama2-golden", LLAMA2, strings(1, 1500, 1500, 1000, 100), 1000, 11)
write("tiny-llama-bpe-golden", os.path.join(OUT, "tiny-llama-bpe.model"), strings(2, 500, 500, 400, 50), 500, 12)
write("tiny-features-bpe-golden", os.path.join(OUT, "tiny-features-bpe.model"), strings(3, 500, 500, 400, 50), 500, 13)
