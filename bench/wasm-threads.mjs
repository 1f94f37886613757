// Training speed of the wasm backend on one thread (tfjs's SIMD build) and on N threads (the threaded
// SIMD build on worker threads, packages/runtime/src/backend/wasm-threads.ts), side by side: the session
// step `gm train` runs, in child processes that differ only in GM_WASM_THREADS, alternated in rounds so
// that other load on the machine affects both alike. Prints the median images/s of each and the ratio.
// With --kernels: 20 matrix products (1024³) and convolutions (16×28×28×64, 3×3) instead, with the CPU
// time of each thread of the process (from /proc, Linux): whether the pool splits the work, even when
// other load leaves no core free for the wall clock to show it.
// Usage: npm run build && node bench/wasm-threads.mjs [--threads 2] [--rounds 3] [--only vae|ddpm-mlp|unet] [--kernels]
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const { values } = parseArgs({
    options: {
        threads: { type: 'string', default: String(Math.min(os.availableParallelism(), 8)) },
        rounds: { type: 'string', default: '3' },
        only: { type: 'string' },
        kernels: { type: 'boolean', default: false },
        // Child mode: one measurement.
        child: { type: 'string' },
        batch: { type: 'string' },
        warmup: { type: 'string' },
        steps: { type: 'string' },
    },
});

/** The models of issue 14's measurement: two MLPs at batch 128, the U-Net at batch 8 (seconds per step on a CPU). */
const CASES = [
    { name: 'vae', file: 'examples/vae.gm', batch: 128, warmup: 3, steps: 15 },
    { name: 'ddpm-mlp', file: 'examples/ddpm-mlp.gm', batch: 128, warmup: 3, steps: 15 },
    { name: 'unet', file: 'examples/ddpm.gm', batch: 8, warmup: 1, steps: 2 },
];

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU milliseconds of each thread of this process so far (utime + stime, 10 ms ticks). */
async function threadCpu() {
    const fs = await import('node:fs');
    const cpu = new Map();
    for (const t of fs.readdirSync('/proc/self/task')) {
        const stat = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(t, 10 * (Number(fields[11]) + Number(fields[12])));
    }
    return cpu;
}

if (values.child && values.kernels) {
    const tf = await import('@tensorflow/tfjs');
    const { selectBackend } = await import('../packages/runtime/out/backend/select-backend.js');
    const choice = await selectBackend('wasm');
    const a = tf.randomNormal([1024, 1024]);
    const x = tf.randomNormal([16, 28, 28, 64]);
    const f = tf.randomNormal([3, 3, 64, 64]);
    const work = () =>
        tf.tidy(() => {
            tf.matMul(a, a).dataSync();
            tf.conv2d(x, f, 1, 'same').dataSync();
        });
    work();
    const before = await threadCpu();
    const start = performance.now();
    for (let i = 0; i < 20; i++) work();
    const ms = performance.now() - start;
    const after = await threadCpu();
    const perThread = [...after].map(([t, v]) => v - (before.get(t) ?? 0)).filter(d => d >= 100);
    console.log(JSON.stringify({ threads: choice.wasm?.threads, reason: choice.reason, ms, perThread }));
} else if (values.child) {
    const tf = await import('@tensorflow/tfjs');
    const { prepareModel } = await import('../packages/runtime/out/session/prepare.js');
    const { loadDataset } = await import('../packages/runtime/out/data/index.js');
    const { createOptimizer } = await import('../packages/runtime/out/optim/create.js');
    const { trainStep } = await import('../packages/runtime/out/session/step.js');
    const batch = Number(values.batch);
    const prepared = await prepareModel(values.child, { backend: 'wasm' });
    const { model, compiled, observed } = prepared;
    const dataset = await loadDataset(model.data[0], observed.shape, { seed: model.train.seed });
    const batches = Array.from({ length: Math.min(dataset.batchesPerEpoch(batch), 8) }, (_, i) => dataset.batch(0, i, batch));
    const train = { ...model.train, batch };
    const optimizer = createOptimizer(train, compiled.parameters);
    const times = [];
    const losses = [];
    const total = Number(values.warmup) + Number(values.steps);
    for (let i = 0; i < total; i++) {
        const start = performance.now();
        losses.push((await trainStep(compiled, optimizer, train, batches[i % batches.length], i)).loss);
        if (i >= Number(values.warmup)) times.push(performance.now() - start);
    }
    const ms = median(times);
    console.log(JSON.stringify({ threads: prepared.backend.wasm?.threads, reason: prepared.backend.reason, ms, imagesPerSecond: (1000 * batch) / ms, losses }));
    tf.dispose(batches);
} else {
    const run = promisify(execFile);
    const here = fileURLToPath(import.meta.url);
    const counts = [1, Number(values.threads)];
    console.log(
        `${os.cpus().length} CPUs, load average ${os
            .loadavg()
            .map(l => l.toFixed(2))
            .join(' ')}; ${values.rounds} rounds of 1 and ${counts[1]} threads alternated`,
    );
    for (let r = 0; values.kernels && r < Number(values.rounds); r++) {
        for (const n of counts) {
            const { stdout } = await run(process.execPath, [here, '--child', 'kernels', '--kernels'], { env: { ...process.env, GM_WASM_THREADS: String(n) } });
            const got = JSON.parse(stdout.trim().split('\n').at(-1));
            console.log(`${n} thread(s): 20 × (matMul 1024³ + conv2d) ${got.ms.toFixed(0)} ms wall; CPU ms of the busy threads: ${got.perThread.join(', ')}`);
        }
    }
    for (const c of CASES.filter(c => !values.kernels && (!values.only || c.name === values.only))) {
        const results = new Map(counts.map(n => [n, []]));
        for (let r = 0; r < Number(values.rounds); r++) {
            for (const n of counts) {
                const args = [here, '--child', c.file, '--batch', String(c.batch), '--warmup', String(c.warmup), '--steps', String(c.steps)];
                const { stdout } = await run(process.execPath, args, { env: { ...process.env, GM_WASM_THREADS: String(n) }, maxBuffer: 16 << 20 });
                const got = JSON.parse(stdout.trim().split('\n').at(-1));
                if (got.threads !== n) throw new Error(`${c.file}: asked for ${n} threads, ran ${got.threads}: ${got.reason}`);
                results.get(n).push(got);
            }
        }
        const [one, many] = counts.map(n => median(results.get(n).map(g => g.imagesPerSecond)));
        const same = results.get(counts[0])[0].losses.every((l, i) => Math.abs(l - results.get(counts[1])[0].losses[i]) <= 1e-5 * Math.abs(l));
        console.log(
            `${c.file.padEnd(22)} batch ${String(c.batch).padStart(3)}  1 thread ${one.toFixed(1).padStart(7)} img/s  ${counts[1]} threads ${many.toFixed(1).padStart(7)} img/s  ratio ${(many / one).toFixed(2)}  losses ${same ? 'equal' : 'DIFFER'}`,
        );
    }
    console.log(
        `load average after: ${os
            .loadavg()
            .map(l => l.toFixed(2))
            .join(' ')}`,
    );
}
