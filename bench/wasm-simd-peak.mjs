// The ceiling of WebAssembly SIMD on this CPU, one core: the f32 rate of V8's code for a loop of independent
// 4-lane multiply-adds, written as f32x4.mul + f32x4.add (the only form tfjs's XNNPACK build has: its binaries
// hold no relaxed-SIMD instruction, which this script checks by reading them with that feature off) and as relaxed
// SIMD's fused f32x4.relaxed_madd. Set it beside what XNNPACK reaches on the U-Net's convolutions
// (bench/conv-parts.mjs, bench/kernel-profile.mjs --conv-shapes) and what PyTorch reaches on the same layers.
// Usage: node bench/wasm-simd-peak.mjs [--rounds 5]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import initWabt from 'wabt';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const wabt = await initWabt();
const require = createRequire(import.meta.url);

// Twelve accumulators: enough independent chains to hide the latency of a multiply-add on two vector pipes.
const CHAINS = 12;
const FLOPS_PER_ITERATION = CHAINS * 4 * 2;
const SIMD = { simd: true, threads: true, bulk_memory: true, sign_extension: true, mutable_globals: true, sat_float_to_int: true };

function loop(name, step) {
    const chains = Array.from({ length: CHAINS }, (_, i) => i);
    return `(func (export "${name}") (param $n i32) (result f32)
      ${chains.map(i => `(local $a${i} v128)`).join(' ')} (local $m v128) (local $c v128)
      (local.set $m (f32x4.splat (f32.const 0.999)))
      (local.set $c (f32x4.splat (f32.const 0.001)))
      ${chains.map(i => `(local.set $a${i} (f32x4.splat (f32.const ${1 + i / 100})))`).join('\n')}
      (loop $l
        ${chains.map(i => `(local.set $a${i} ${step(`(local.get $a${i})`)})`).join('\n')}
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
      (f32x4.extract_lane 0 ${chains.map(i => `(local.get $a${i})`).reduce((a, b) => `(f32x4.add ${a} ${b})`)}))`;
}

const wat = `(module
  ${loop('mulAdd', a => `(f32x4.add (f32x4.mul ${a} (local.get $m)) (local.get $c))`)}
  ${loop('fusedMulAdd', a => `(f32x4.relaxed_madd ${a} (local.get $m) (local.get $c))`)})`;
const { buffer } = wabt.parseWat('peak.wat', wat, { ...SIMD, relaxed_simd: true }).toBinary({});
const { instance } = await WebAssembly.instantiate(buffer);

/** Median GF/s of `rounds` runs of n iterations, after a warm-up. */
function rate(fn, rounds, n = 20_000_000) {
    fn(100_000);
    const rates = [];
    for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        fn(n);
        rates.push((n * FLOPS_PER_ITERATION) / ((performance.now() - start) / 1e3) / 1e9);
    }
    return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
}

/** Whether a binary needs the relaxed-SIMD feature to be read: it fails without it and reads with it. */
function usesRelaxedSimd(file) {
    const bytes = readFileSync(file);
    try {
        wabt.readWasm(bytes, SIMD).destroy();
        return false;
    } catch {
        wabt.readWasm(bytes, { ...SIMD, relaxed_simd: true }).destroy(); // throws again if something else is unreadable
        return true;
    }
}

const rounds = Number(values.rounds);
const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const version = JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8')).version;
console.log(`Node ${process.version}, one core, median of ${rounds}`);
console.log(`f32x4.mul + f32x4.add:   ${rate(instance.exports.mulAdd, rounds).toFixed(1)} GF/s`);
console.log(`f32x4.relaxed_madd:      ${rate(instance.exports.fusedMulAdd, rounds).toFixed(1)} GF/s`);
for (const binary of ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    console.log(`tfjs-backend-wasm ${version} ${binary}: relaxed SIMD ${usesRelaxedSimd(path.join(dist, binary)) ? 'used' : 'not used'}`);
}
