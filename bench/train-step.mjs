// Training speed of the compiled model against a hand-written TensorFlow.js model of the same
// architecture, same backend and batch, timed in alternating rounds; prints images/s and the ratio.
// Usage: npm run build && node bench/train-step.mjs [--model examples/vae.gm] [--ddpm] [--backend wasm] [--batch 128] [--steps 40]
import '../packages/runtime/out/bench/run-train-bench.js';
