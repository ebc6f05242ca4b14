// llama.cpp (node-llama-cpp, CPU) on the same GGUF file: prefill N tokens, then decode steps, per thread count.
// Run from a directory where node-llama-cpp is installed (see LlamaCppOracleTest):
//   node bench.mjs /tmp/visualchat-bench/llama-random-2048x22x32x4x5632x32000-Q4_0.gguf 1,2 128 16
import {getLlama} from "node-llama-cpp";
const [file, threadsArg = "1,2", prefillN = "128", decodeN = "16"] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: file});
const ids = n => Array.from({length: n}, (_, i) => 259 + (i * 7919 + 13) % 31000);
for (const threads of threadsArg.split(",").map(Number)) {
  const ctx = await model.createContext({contextSize: 512, threads, batchSize: Number(prefillN)});
  const times = [];   // one warm-up, then the fastest of two (as visualchat bench prefill)
  for (let r = 0; r < 3; r++) {
    const seq = ctx.getSequence();
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(ids(Number(prefillN)));
    times.push(performance.now() - t0);
    seq.dispose();
  }
  const best = Math.min(times[1], times[2]);
  const seq = ctx.getSequence();
  await seq.evaluateWithoutGeneratingNewTokens(ids(16));
  const steps = [];
  let last = performance.now(), n = 0;
  for await (const token of seq.evaluate([300], {temperature: 0})) {
    const now = performance.now();
    steps.push(now - last);
    last = now;
    if (++n >= Number(decodeN)) break;
  }
  steps.sort((a, b) => a - b);
  console.log(`llama.cpp threads=${threads} prefill ${prefillN}: ${(Number(prefillN) / (best / 1000)).toFixed(1)} tok/s; decode: ${(1000 / steps[steps.length >> 1]).toFixed(2)} tok/s`);
  await ctx.dispose();
}
