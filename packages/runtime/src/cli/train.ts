import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isBackendRequest, type BackendRequest } from '../backend/index.js';
import { findCheckpoint, saveCheckpoint, sourceHash } from '../checkpoint/index.js';
import { createOptimizer, Ema } from '../optim/index.js';
import { datasetFor, defaultOutDir, prepareModel, restoreWeights } from '../session/prepare.js';
import { JsonReporter, TerminalReporter, type Reporter } from '../session/reporter.js';
import { runSession, type SessionHooks } from '../session/session.js';
import { previewHooks } from '../session/previews.js';
import { trainWithTorch } from '../torch/train-torch.js';
import { UsageError } from './check.js';

function integer(value: string | undefined, flag: string): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not '${value}'`);
    return n;
}

/**
 * `gm train FILE`: trains a model on its dataset with the options of its `train` block, overridden
 * by flags. Prints a progress bar, or JSON events with --json; Ctrl-C saves a checkpoint and exits.
 */
export async function train(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
            model: { type: 'string' },
            steps: { type: 'string' },
            epochs: { type: 'string' },
            batch: { type: 'string' },
            seed: { type: 'string' },
            backend: { type: 'string', default: 'auto' },
            out: { type: 'string' },
            resume: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            force: { type: 'boolean', default: false },
            'sample-every': { type: 'string' },
            'eval-every': { type: 'string' },
            'checkpoint-every': { type: 'string' },
        },
    });
    if (positionals.length !== 1) throw new UsageError('gm train needs one .gm file');
    // torch: the PyTorch target, run by Python (src/torch/); the others are TensorFlow.js backends.
    if (values.backend !== 'torch' && !isBackendRequest(values.backend!)) throw new UsageError(`--backend is one of auto, wasm, cpu, webgpu, tfjs-node, tfjs-node-gpu, torch`);
    const reporter: Reporter = values.json ? new JsonReporter() : new TerminalReporter();
    const file = positionals[0]!;
    try {
        if (values.backend === 'torch') return await trainWithTorch(file, values as TrainFlags, reporter);
        return await runTraining(file, values as TrainFlags, reporter);
    } catch (error) {
        reporter.emit({ event: 'error', message: error instanceof Error ? error.message : String(error) });
        reporter.close();
        return 1;
    }
}

interface TrainFlags {
    model?: string;
    steps?: string;
    epochs?: string;
    batch?: string;
    seed?: string;
    backend: string;
    out?: string;
    resume: boolean;
    json: boolean;
    force: boolean;
    'sample-every'?: string;
    'eval-every'?: string;
    'checkpoint-every'?: string;
}

async function runTraining(file: string, flags: TrainFlags, reporter: Reporter): Promise<number> {
    const seedFlag = integer(flags.seed, '--seed');
    const prepared = await prepareModel(file, {
        ...(flags.model ? { model: flags.model } : {}),
        backend: flags.backend as BackendRequest,
        ...(seedFlag ? { seed: seedFlag } : {}),
    });
    const { model, compiled } = prepared;
    const trainIR = { ...model.train, ...(flags.batch ? { batch: integer(flags.batch, '--batch')! } : {}), ...(seedFlag ? { seed: seedFlag } : {}) };
    const out = path.resolve(flags.out ?? defaultOutDir(file, model.name));
    const dataset = await datasetFor(prepared, 'train', trainIR.seed);
    const perEpoch = dataset.batchesPerEpoch(trainIR.batch);
    const epochs = integer(flags.epochs, '--epochs');
    const totalSteps = integer(flags.steps, '--steps') ?? (epochs !== undefined ? epochs * perEpoch : (trainIR.steps ?? (trainIR.epochs ?? 10) * perEpoch));

    const optimizer = createOptimizer(trainIR, compiled.parameters);
    const ema = trainIR.ema !== undefined ? new Ema(compiled.parameters, trainIR.ema) : undefined;
    let startStep = 0;
    if (flags.resume) {
        const found = await findCheckpoint(out);
        if (!found) throw new Error(`--resume: no checkpoint in ${out}`);
        const checkpoint = await restoreWeights(prepared, found, { allowChangedSource: flags.force });
        if (checkpoint.optimizer) optimizer.loadState(checkpoint.optimizer);
        if (ema && checkpoint.ema) ema.load(checkpoint.ema);
        startStep = checkpoint.step;
    }
    reporter.emit({
        event: 'start',
        model: model.name,
        file,
        backend: prepared.backend.kind,
        backendReason: prepared.backend.reason,
        parameters: compiled.parameters.reduce((n, p) => n + p.variable.size, 0),
        out,
        totalSteps,
        ...(flags.resume ? { resumedFrom: startStep } : {}),
    });

    const hash = sourceHash(prepared.source);
    const checkpoints = {
        // Read tensors asynchronously: WebGPU under Node has no synchronous download.
        save: async (step: number) =>
            saveCheckpoint(out, {
                model: model.name,
                sourceHash: hash,
                step,
                epoch: Math.floor(step / perEpoch),
                seed: trainIR.seed,
                rng: {},
                weights: await Promise.all(compiled.parameters.map(async p => ({ name: p.name, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array }))),
                optimizer: { name: optimizer.name, ...(await optimizer.saveStateAsync()) },
                ...(ema ? { ema: await ema.saveAsync() } : {}),
                metadata: { backend: prepared.backend.kind, batch: trainIR.batch, totalSteps },
            }),
    };
    const signal = { stop: false };
    // First signal: stop after this step and save. A second one exits at once.
    const onInterrupt = (name: NodeJS.Signals) => {
        if (signal.stop) process.exit(name === 'SIGTERM' ? 143 : 130);
        signal.stop = true;
    };
    const listen = (on: boolean) => (['SIGINT', 'SIGTERM'] as const).forEach(s => (on ? process.on(s, onInterrupt) : process.off(s, onInterrupt)));
    const previews = previewHooks(prepared, out, {
        sampleEvery: integer(flags['sample-every'], '--sample-every') ?? model.sample.every ?? Math.max(perEpoch, 100),
        n: model.sample.n,
        ...(prepared.derivation.chains.length === 0 ? { test: await datasetFor(prepared, 'test', trainIR.seed) } : {}),
        ...(ema ? { ema } : {}),
    });
    const hooks = prepared.backend.name === 'webgpu' ? defaultSignalsDuring(previews, listen) : previews;
    listen(true);
    try {
        const result = await runSession({
            program: compiled,
            optimizer,
            train: trainIR,
            dataset,
            batch: trainIR.batch,
            startStep,
            totalSteps,
            reporter,
            checkpoints,
            checkpointEvery: integer(flags['checkpoint-every'], '--checkpoint-every') ?? Math.max(perEpoch, 500),
            ...(ema ? { ema } : {}),
            hooks,
            signal,
        });
        reporter.close();
        return result.reason === 'non-finite' ? 1 : 0;
    } finally {
        listen(false);
        ema?.dispose();
        optimizer.dispose();
        compiled.dispose();
    }
}

/**
 * On WebGPU a preview can hold the JS thread for a long time (the U-Net's, on Mesa's software
 * renderer, ran for many minutes), so a signal handler would not run: while previews draw, SIGINT and SIGTERM keep their
 * default action and end the process at once. Checkpoints are atomic, so the last one stays intact
 * (the steps after it are lost). On wasm previews are short, and a signal still saves first.
 */
function defaultSignalsDuring(hooks: SessionHooks, listen: (on: boolean) => void): SessionHooks {
    const wrap = (hook: SessionHooks['sample']) =>
        hook && {
            every: hook.every,
            run: async (step: number) => {
                listen(false);
                try {
                    return await hook.run(step);
                } finally {
                    listen(true);
                }
            },
        };
    return { ...(hooks.sample ? { sample: wrap(hooks.sample)! } : {}), ...(hooks.evaluate ? { evaluate: wrap(hooks.evaluate)! } : {}) };
}
