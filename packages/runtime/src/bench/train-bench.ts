/**
 * Benchmarks of the compiled training step against hand-written TensorFlow.js.
 *
 * VAE: trains the compiled VAE (from a .gm file) and the hand-written one on the same backend, with the
 * same batches, in one process, and measures images per second for each (median step time after
 * a warm-up). The compiled one runs through the same session step as `gm train`.
 */
import { loadModel, type ModelIR } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadDataset } from '../data/dataset.js';
import { compileModel } from '../compile/model.js';
import { createOptimizer } from '../optim/create.js';
import { trainStep } from '../session/step.js';
import { buildNetwork } from '../nets/build.js';
import { handWrittenDdpm } from './hand-written-ddpm.js';
import { handWrittenVae } from './hand-written-vae.js';

export interface BenchResult {
    name: string;
    parameters: number;
    medianMs: number;
    imagesPerSecond: number;
    firstLoss: number;
    lastLoss: number;
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

export interface BenchOptions {
    modelFile: string;
    batch: number;
    warmup: number;
    steps: number;
}

export interface Contender {
    name: string;
    parameters: number;
    step(i: number): Promise<number> | number;
}

/**
 * Times the contenders in alternating rounds (a few steps of one, then of the other), so that
 * other load on the machine affects both alike; `warmup` untimed steps each first.
 */
export async function race(contenders: Contender[], o: BenchOptions): Promise<BenchResult[]> {
    const times = contenders.map(() => [] as number[]);
    const first = contenders.map(() => NaN);
    const last = contenders.map(() => NaN);
    const counters = contenders.map(() => 0);
    const run = async (k: number, timed: boolean) => {
        const start = performance.now();
        last[k] = await contenders[k].step(counters[k]);
        if (counters[k] === 0) first[k] = last[k];
        counters[k]++;
        if (timed) times[k].push(performance.now() - start);
    };
    for (let k = 0; k < contenders.length; k++) for (let i = 0; i < o.warmup; i++) await run(k, false);
    const perRound = 5;
    for (let done = 0; done < o.steps; done += perRound) {
        for (let k = 0; k < contenders.length; k++) for (let i = 0; i < Math.min(perRound, o.steps - done); i++) await run(k, true);
    }
    return contenders.map((c, k) => {
        const medianMs = median(times[k]);
        return { name: c.name, parameters: c.parameters, medianMs, imagesPerSecond: (1000 * o.batch) / medianMs, firstLoss: first[k], lastLoss: last[k] };
    });
}

/** The compiled model of a .gm file, its optimizer and up to 16 batches made before timing, as `gm train` steps them. */
async function compiledStep(o: BenchOptions, overrides: Partial<ModelIR['train']> = {}) {
    const { result } = await loadModel(o.modelFile);
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(`${o.modelFile}: ${derived.failure.reasons.map(r => r.message).join('; ')}`);
    const model = result.model;
    const observed = model.variables.find(v => v.role === 'observed')!;
    const dataset = await loadDataset(model.data[0], observed.shape, { seed: model.train.seed });
    const batches = Array.from({ length: Math.min(dataset.batchesPerEpoch(o.batch), 16) }, (_, i) => dataset.batch(0, i, o.batch));
    const batchAt = (i: number) => batches[i % batches.length];
    const train = { ...model.train, batch: o.batch, ...overrides };
    const compiledModel = compileModel(model, derived.derivation, model.train.seed);
    const optimizer = createOptimizer(train, compiledModel.parameters);
    const contender: Contender = {
        name: `compiled, ${tf.getBackend()} (${o.modelFile.split('/').slice(-2).join('/')})`,
        parameters: compiledModel.parameters.reduce((n, p) => n + p.variable.size, 0),
        step: async i => (await trainStep(compiledModel, optimizer, train, batchAt(i), i)).loss,
    };
    const dispose = () => {
        optimizer.dispose();
        compiledModel.dispose();
        tf.dispose(batches);
    };
    return { model, derivation: derived.derivation, observed, train, compiledModel, batchAt, contender, dispose };
}

export async function benchVae(o: BenchOptions): Promise<{ compiled: BenchResult; handWritten: BenchResult; ratio: number }> {
    const compiled = await compiledStep(o);
    const hand = handWrittenVae(compiled.train.optimizer.lr);
    try {
        const [ours, handWritten] = await race(
            [compiled.contender, { name: 'hand-written tfjs', parameters: hand.parameterCount, step: i => hand.step(compiled.batchAt(i) as tf.Tensor2D, i + 1) }],
            o,
        );
        return { compiled: ours, handWritten, ratio: ours.imagesPerSecond / handWritten.imagesPerSecond };
    } finally {
        compiled.dispose();
        hand.dispose();
    }
}

/**
 * The compiled training step of a diffusion model (`objective: simple`) against a hand-written
 * L_simple step around a denoiser of the same architecture and initialization.
 */
export async function benchDdpm(o: BenchOptions): Promise<{ compiled: BenchResult; handWritten: BenchResult; ratio: number }> {
    // Clipping and warm-up are off in both, so that the steps compare like for like.
    const compiled = await compiledStep(o, { clip: undefined, lrWarmup: undefined });
    const chain = compiled.derivation.chains[0];
    if (!chain) throw new Error(`${o.modelFile}: not a chain model`);
    const model = compiled.model;
    const netIR = model.networks.find(n => compiled.compiledModel.networks.has(n.name))!;
    const net = buildNetwork(netIR, model.train.seed, compiled.observed.shape);
    const alphaBar = chain.coefficients.marginalMean.map(m => m * m);
    const hand = handWrittenDdpm(net, alphaBar, compiled.train.optimizer.lr);
    try {
        const [ours, handWritten] = await race(
            [compiled.contender, { name: 'hand-written tfjs', parameters: net.parameterCount, step: i => hand.step(compiled.batchAt(i), 2 * i + 1) }],
            o,
        );
        return { compiled: ours, handWritten, ratio: ours.imagesPerSecond / handWritten.imagesPerSecond };
    } finally {
        compiled.dispose();
        hand.dispose();
        net.dispose();
    }
}

/** A training step in another process that answers each line `step` with the step's loss (the hand-written PyTorch step). */
export async function processContender(name: string, command: string, args: string[]): Promise<Contender & { info: Record<string, unknown>; close(): void }> {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => {
        const line = await lines.next();
        if (line.done) throw new Error(`${name}: the process ended (${command} ${args.join(' ')})`);
        return line.value;
    };
    const info = JSON.parse(await next()) as Record<string, unknown>;
    return {
        name,
        info,
        parameters: Number(info['parameters']),
        step: async () => {
            child.stdin!.write('step\n');
            return Number(await next());
        },
        close: () => child.stdin!.end(),
    };
}

/**
 * The compiled TensorFlow.js step of a model (as `gm train` runs it, with the model's own training settings) against
 * another step, e.g. hand-written PyTorch on the same network and batch, in alternating rounds.
 */
export async function benchAgainst(o: BenchOptions, other: Contender): Promise<{ compiled: BenchResult; other: BenchResult; ratio: number }> {
    const compiled = await compiledStep(o);
    try {
        const [ours, theirs] = await race([compiled.contender, other], o);
        if (ours.parameters !== theirs.parameters) throw new Error(`the networks differ: ${ours.parameters} parameters against ${theirs.parameters}`);
        return { compiled: ours, other: theirs, ratio: ours.imagesPerSecond / theirs.imagesPerSecond };
    } finally {
        compiled.dispose();
    }
}
