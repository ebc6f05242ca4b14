#!/usr/bin/env bash
# llama.cpp as a same-machine peer for `visualchat bench decode|prefill`: builds its llama-bench from the source
# bundle that the npm package node-llama-cpp ships (the npm registry is reachable where GitHub and model hubs
# are not) and runs it on the random-weight GGUF files those benchmarks wrote, the same bytes our code reads.
#
#   bench/peers/llama_cpp.sh [DTYPE ...]      # default: F32 BF16 Q8_0 Q4_0; needs npm, git, cmake, a C++ compiler
#
# Prints llama-bench's table: pp128 (prefill of 128 tokens) and tg32 (decode of 32 tokens, context 0–31,
# about `bench decode`'s 16), on 1 thread and on every core, 3 repetitions each.
set -euo pipefail
version=3.22.1
work=${VC_LLAMA_CPP_DIR:-${TMPDIR:-/tmp}/visualchat-llama-cpp}
models=${VC_BENCH_DIR:-${TMPDIR:-/tmp}/visualchat-bench}
shape=2048x22x32x4x5632x32000
bin=$work/llama.cpp/build/bin/llama-bench

for tool in npm git cmake c++; do
  command -v "$tool" >/dev/null || { echo "llama_cpp.sh: $tool is missing (apt-get install npm git cmake g++)" >&2; exit 2; }
done
if [ ! -x "$bin" ]; then
  echo "building llama-bench from node-llama-cpp@$version into $work (a few minutes)" >&2
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  npm pack --silent "node-llama-cpp@$version" >/dev/null
  tar xzf "node-llama-cpp-$version.tgz" package/llama/gitRelease.bundle
  git clone -q package/llama/gitRelease.bundle llama.cpp 2>/dev/null
  { cmake -S llama.cpp -B llama.cpp/build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
          -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF &&
    cmake --build llama.cpp/build --target llama-bench -j "$(nproc)"; } > build.log 2>&1 ||
    { echo "llama_cpp.sh: the llama.cpp build failed; see $work/build.log" >&2; exit 1; }
fi
[ $# -gt 0 ] || set -- F32 BF16 Q8_0 Q4_0
for dtype in "$@"; do
  model=$models/llama-random-$shape-$dtype.gguf
  if [ ! -f "$model" ]; then
    echo "llama_cpp.sh: no $model; run ./visualchat bench decode --dtypes $dtype first (it writes the file)" >&2
    exit 2
  fi
  "$bin" -m "$model" -t "1,$(nproc)" -p 128 -n 32 -r 3 2>/dev/null | grep '^|'
done
