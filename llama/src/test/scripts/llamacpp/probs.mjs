// Next-token probabilities at every position of a fixed id sequence, from llama.cpp (the oracle).
import {getLlama} from "node-llama-cpp";
const [file, n = "12"] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: file});
const ctx = await model.createContext({contextSize: 64, threads: 1});
const seq = ctx.getSequence();
const ids = Array.from({length: Number(n)}, (_, i) => 259 + (i * 7919 + 13) % 31000);
const input = ids.map(t => [t, {generateNext: {probabilities: true}}]);
const res = await seq.controlledEvaluate(input);
const out = res.map(r => Array.from(r.next.probabilities.entries()).sort((a, b) => a[0] - b[0]).map(e => e[1]));
console.log(JSON.stringify({ids, probs: out.map(p => p.length === 32000 ? p : null)}));
