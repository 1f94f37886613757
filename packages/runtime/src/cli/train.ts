import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_KEEP, newestWholeCheckpoint, saveCheckpoint, sourceHash } from '../checkpoint/index.js';
import { createOptimizer, Ema } from '../optim/index.js';
import { evaluationHook } from '../session/evaluations.js';
import { estimateTrainingMemory, memoryProblem } from '../session/memory.js';
import { prepareOutputFolder } from '../session/out-folder.js';
import { datasetFor, defaultOutDir, feedFor, prepareModel } from '../session/prepare.js';
import { resumeRun } from '../session/resume.js';
import { runSettings } from '../session/run-settings.js';
import { JsonReporter, TerminalReporter, type Reporter } from '../session/reporter.js';
import { importanceSampling, type ImportanceState } from '../session/importance-timesteps.js';
import { runSession, type SessionHooks } from '../session/session.js';
import { previewHooks } from '../session/previews.js';
import { TRAIN_BACKENDS, type BackendRequest } from '../backend/index.js';
import { trainWithTorch } from '../torch/train-torch.js';
import { BACKEND_FLAG, MODEL_FLAG, SEED_FLAG, VERBOSE_FLAG } from './common-flags.js';
import { parseCommandLine, UsageError, type CommandSpec, type FlagValues } from './flags.js';

export const TRAIN = {
    name: 'train',
    summary: 'train a model on its dataset',
    description:
        'Trains a model on its dataset with the options of its train block; flags override them. Prints a\n' +
        'progress bar, or JSON events with --json; Ctrl-C saves a checkpoint and stops, a second Ctrl-C stops at once.',
    positionals: { name: 'FILE', min: 1, max: 1, files: true },
    flags: {
        model: MODEL_FLAG,
        steps: { type: 'integer', value: 'N', min: 1, help: 'steps to train', defaultText: "the train block's steps, else its epochs (10 if none) × batches per epoch" },
        epochs: { type: 'integer', value: 'N', min: 1, help: 'epochs to train, when --steps is not given', defaultText: "the train block's" },
        batch: { type: 'integer', value: 'B', min: 1, help: 'examples per batch', defaultText: "the train block's batch" },
        seed: SEED_FLAG,
        backend: { ...BACKEND_FLAG, choices: TRAIN_BACKENDS, help: `${BACKEND_FLAG.help}; torch: the PyTorch target, run by Python (GM_PYTHON)` },
        out: { type: 'string', value: 'DIR', help: 'the run folder: checkpoints and sample grids', defaultText: 'runs/MODEL next to FILE' },
        resume: { type: 'boolean', help: 'continue from the latest whole checkpoint in the run folder' },
        checkpoint: { type: 'string', value: 'DIR', help: 'continue from this checkpoint folder', defaultText: 'with --resume, the latest in --out' },
        json: { type: 'boolean', help: 'print JSON events on stdout, one per line (for editors)' },
        force: {
            type: 'boolean',
            help: 'resume although the model or the run settings (batch, seed, data, optimizer) changed; train although memory looks short',
        },
        'sample-every': {
            type: 'integer',
            value: 'N',
            min: 1,
            help: 'write a sample grid every N steps and at the end',
            defaultText: "the sample block's every, else max(batches per epoch, 100)",
        },
        'eval-every': {
            type: 'integer',
            value: 'N',
            min: 1,
            help: 'evaluate the bound on test examples every N steps and at the end',
            defaultText: "the eval block's every, else never",
        },
        'eval-limit': {
            type: 'integer',
            value: 'N',
            min: 1,
            help: 'test examples in each evaluation while training',
            defaultText: '1000; 100 for chains, whose bound is computed at every t',
        },
        'checkpoint-every': { type: 'integer', value: 'N', min: 1, help: 'save a checkpoint every N steps and at the end', defaultText: 'max(batches per epoch, 500)' },
        'keep-checkpoints': { type: 'integer', value: 'K', min: 1, help: 'keep the newest K checkpoints in the run folder', default: 3 },
        verbose: VERBOSE_FLAG,
    },
} as const satisfies CommandSpec;

type TrainFlags = FlagValues<typeof TRAIN.flags>;

/** `gm train FILE [options]` (TRAIN). */
export async function train(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(TRAIN, args);
    if (values.steps !== undefined && values.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
    const reporter: Reporter = values.json ? new JsonReporter() : new TerminalReporter();
    const file = positionals[0]!;
    if (values.backend === 'torch') {
        const unsupported = (['checkpoint', 'eval-every', 'eval-limit'] as const).find(f => values[f] !== undefined);
        if (unsupported) throw new UsageError(`--${unsupported} applies to the TensorFlow.js backends, not to --backend torch`);
    }
    try {
        // torch: the PyTorch target, run by Python (src/torch/); the others are TensorFlow.js backends.
        if (values.backend === 'torch') return await trainWithTorch(file, values, reporter);
        return await runTraining(file, values, reporter);
    } catch (error) {
        if (error instanceof UsageError) throw error;
        reporter.emit({ event: 'error', message: error instanceof Error ? error.message : String(error) });
        reporter.close();
        return 1;
    }
}

async function runTraining(file: string, flags: TrainFlags, reporter: Reporter): Promise<number> {
    const seedFlag = flags.seed;
    const prepared = await prepareModel(file, {
        ...(flags.model ? { model: flags.model } : {}),
        backend: flags.backend as BackendRequest, // torch went to trainWithTorch
        verbose: flags.verbose,
        ...(seedFlag !== undefined ? { seed: seedFlag } : {}),
    });
    const { model, compiled } = prepared;
    const evalEvery = flags['eval-every'] ?? model.eval.every;
    if (flags['eval-limit'] !== undefined && !evalEvery) throw new UsageError(`--eval-limit needs --eval-every (the eval block of ${model.name} sets no every)`);
    const trainIR = { ...model.train, ...(flags.batch ? { batch: flags.batch } : {}), ...(seedFlag !== undefined ? { seed: seedFlag } : {}) };
    const out = path.resolve(flags.out ?? defaultOutDir(file, model.name));
    const keep = flags['keep-checkpoints'] ?? DEFAULT_KEEP;
    // Before anything slow: a file in the way or a read-only folder is found now, not at the first checkpoint.
    await prepareOutputFolder(out);
    const dataset = await feedFor(prepared, 'train', trainIR.seed);
    const perEpoch = dataset.batchesPerEpoch(trainIR.batch);
    const epochs = flags.epochs;
    const totalSteps = flags.steps ?? (epochs !== undefined ? epochs * perEpoch : (trainIR.steps ?? (trainIR.epochs ?? 10) * perEpoch));

    // The optimizer's slots and the EMA are variables: their bytes are those of the variables they add.
    const variableBytes = () => Object.values(tf.engine().registeredVariables).reduce((n, v) => n + v.size * 4, 0);
    const beforeState = variableBytes();
    const optimizer = createOptimizer(trainIR, compiled.parameters);
    const ema = trainIR.ema !== undefined ? new Ema(compiled.parameters, trainIR.ema) : undefined;
    const stateBytes = variableBytes() - beforeState;
    const importance = importanceSampling(compiled.executor);
    const settings = runSettings(
        trainIR,
        model.data.find(d => d.name === prepared.observed.data)!,
        dataset,
    );
    let startStep = 0;
    const resumeTarget = flags.checkpoint ? path.resolve(flags.checkpoint) : flags.resume ? out : undefined;
    if (resumeTarget) {
        const checkpoint = await resumeRun(resumeTarget, prepared, settings, { optimizer, ...(ema ? { ema } : {}), force: flags.force });
        const history = checkpoint.metadata['importanceSampling'] as Record<string, ImportanceState> | undefined;
        if (importance && history) importance.load(history);
        startStep = checkpoint.step;
    }
    const memory = await estimateTrainingMemory(compiled, n => dataset.batch(0, 0, n), trainIR.batch, stateBytes, prepared.backend.name);
    const tooBig = memoryProblem(memory, trainIR.batch);
    if (tooBig && !flags.force) throw new Error(tooBig);
    reporter.emit({
        event: 'start',
        model: model.name,
        file,
        backend: prepared.backend.kind,
        backendReason: prepared.backend.reason,
        parameters: compiled.parameters.reduce((n, p) => n + p.variable.size, 0),
        out,
        totalSteps,
        ...(resumeTarget ? { resumedFrom: startStep } : {}),
        memory,
    });

    const hash = sourceHash(prepared.source);
    const checkpoints = {
        // Read tensors asynchronously: WebGPU under Node has no synchronous download.
        save: async (step: number) =>
            saveCheckpoint(
                out,
                {
                    model: model.name,
                    sourceHash: hash,
                    step,
                    epoch: Math.floor(step / perEpoch),
                    seed: trainIR.seed,
                    rng: {},
                    weights: await Promise.all(compiled.parameters.map(async p => ({ name: p.name, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array }))),
                    optimizer: { name: optimizer.name, ...(await optimizer.saveStateAsync()) },
                    ...(ema ? { ema: await ema.saveAsync() } : {}),
                    metadata: {
                        backend: prepared.backend.kind,
                        batch: trainIR.batch,
                        totalSteps,
                        run: settings,
                        ...(importance ? { importanceSampling: importance.state() } : {}),
                    },
                },
                { keep },
            ),
        newest: (before: number) => newestWholeCheckpoint(out, { before }),
    };
    const signal = { stop: false };
    // First signal: stop after this step and save. A second one exits at once.
    const onInterrupt = (name: NodeJS.Signals) => {
        if (signal.stop) process.exit(name === 'SIGTERM' ? 143 : 130);
        signal.stop = true;
    };
    const listen = (on: boolean) => (['SIGINT', 'SIGTERM'] as const).forEach(s => (on ? process.on(s, onInterrupt) : process.off(s, onInterrupt)));
    const previews = previewHooks(prepared, out, {
        sampleEvery: flags['sample-every'] ?? model.sample.every ?? Math.max(perEpoch, 100),
        n: model.sample.n,
        ...(prepared.derivation.chains.length === 0 ? { test: await feedFor(prepared, 'test', trainIR.seed) } : {}),
        ...(ema ? { ema } : {}),
    });
    const chain = prepared.derivation.chains.length > 0;
    const evaluations: SessionHooks = evalEvery
        ? {
              evaluate: evaluationHook(prepared, {
                  every: evalEvery,
                  limit: flags['eval-limit'] ?? (chain ? 100 : 1000),
                  // The test set and noise seed of `gm eval` (seed 1), so that the last evaluation is the one it reports.
                  test: chain ? await datasetFor(prepared, 'test', 1) : await feedFor(prepared, 'test', 1),
                  seed: 1,
                  ...(ema ? { ema } : {}),
              }),
          }
        : {};
    const all: SessionHooks = { ...previews, ...evaluations };
    const hooks = prepared.backend.name === 'webgpu' ? defaultSignalsDuring(all, listen) : all;
    listen(true);
    try {
        const result = await runSession({
            program: importance ? { parameters: compiled.parameters, loss: compiled.loss, afterStep: importance.afterStep } : compiled,
            optimizer,
            train: trainIR,
            dataset,
            batch: trainIR.batch,
            startStep,
            totalSteps,
            reporter,
            checkpoints,
            checkpointEvery: flags['checkpoint-every'] ?? Math.max(perEpoch, 500),
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
