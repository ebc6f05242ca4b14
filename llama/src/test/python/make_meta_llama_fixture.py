#!/usr/bin/env python3
"""Writes tiny Meta-format LLaMA checkpoints (params.json + consolidated.NN.pth) for MetaCheckpointTest.

The torch.save container comes from the tensor module's fixture writer (tensor/src/test/python/
make_torch_fixtures.py: stand-in torch modules, so the pickle is what torch emits, in a 64-byte aligned
zip64 archive). The model: dim 32, 2 layers, 4 heads, 2 KV heads, multiple_of 16 (FFN 96), 42 tokens,
BF16 random weights, Meta names (formats.md §1.3/§1.4). `one/` is one shard; `two/` splits the same
weights as Meta's model parallelism does: wq/wk/wv/w1/w3/output on dim 0, wo/w2/tok_embeddings on dim 1,
norms replicated, plus an unused rope.freqs. Run: python3 make_meta_llama_fixture.py <resources>/meta
"""
import collections
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../tensor/src/test/python"))
import make_torch_fixtures as tf  # noqa: E402

DIM, LAYERS, HEADS, KV_HEADS, FFN, VOCAB = 32, 2, 4, 2, 96, 42
HEAD_DIM = DIM // HEADS
PARAMS = {"dim": DIM, "n_layers": LAYERS, "n_heads": HEADS, "n_kv_heads": KV_HEADS, "multiple_of": 16,
          "norm_eps": 1e-5, "vocab_size": -1}


def weights():
    rng = np.random.default_rng(20231115)
    w = collections.OrderedDict()
    w["tok_embeddings.weight"] = rng.normal(0, 1, (VOCAB, DIM))
    for l in range(LAYERS):
        p = f"layers.{l}."
        w[p + "attention.wq.weight"] = rng.uniform(-0.18, 0.18, (DIM, DIM))
        w[p + "attention.wk.weight"] = rng.uniform(-0.18, 0.18, (KV_HEADS * HEAD_DIM, DIM))
        w[p + "attention.wv.weight"] = rng.uniform(-0.18, 0.18, (KV_HEADS * HEAD_DIM, DIM))
        w[p + "attention.wo.weight"] = rng.uniform(-0.18, 0.18, (DIM, DIM))
        w[p + "feed_forward.w1.weight"] = rng.uniform(-0.18, 0.18, (FFN, DIM))
        w[p + "feed_forward.w2.weight"] = rng.uniform(-0.1, 0.1, (DIM, FFN))
        w[p + "feed_forward.w3.weight"] = rng.uniform(-0.18, 0.18, (FFN, DIM))
        w[p + "attention_norm.weight"] = rng.uniform(0.75, 1.25, DIM)
        w[p + "ffn_norm.weight"] = rng.uniform(0.75, 1.25, DIM)
    w["norm.weight"] = rng.uniform(0.75, 1.25, DIM)
    w["output.weight"] = rng.uniform(-0.18, 0.18, (VOCAB, DIM))
    w["rope.freqs"] = 10000.0 ** (-np.arange(0, HEAD_DIM, 2) / HEAD_DIM)
    return w


def split_dim(name, array):
    if array.ndim < 2:
        return None
    return 1 if name.endswith(("attention.wo.weight", "feed_forward.w2.weight")) or name == "tok_embeddings.weight" else 0


def save(path, tensors):
    sd = collections.OrderedDict()
    for key, (name, a) in enumerate(tensors.items()):
        a = np.ascontiguousarray(a, dtype=np.float32)
        storage = tf.Storage(tf.STORAGE_CLASSES["BFloat16Storage"], str(key), a.ravel(), None, bf16=True)
        strides = [int(np.prod(a.shape[i + 1:])) for i in range(a.ndim)]
        sd[name] = tf.Tensor(storage, 0, list(a.shape), strides)
    tf.write_zip64(path, tf.checkpoint_entries(sd, prefix="consolidated." + os.path.basename(path).split(".")[1]))


def main(out):
    w = weights()
    for shards, folder in [(1, "one"), (2, "two")]:
        os.makedirs(f"{out}/{folder}", exist_ok=True)
        with open(f"{out}/{folder}/params.json", "w") as f:
            json.dump(PARAMS, f)
        for s in range(shards):
            part = collections.OrderedDict()
            for name, a in w.items():
                d = split_dim(name, a)
                part[name] = a if d is None or shards == 1 else np.split(a, shards, axis=d)[s]
            save(f"{out}/{folder}/consolidated.{s:02d}.pth", part)


if __name__ == "__main__":
    main(sys.argv[1])
