import type { TrainIR } from '@gm/language';
import type { Feed } from '../data/index.js';
import type { TrainEvent } from '../train/events.js';
import type { Ema, Optimizer } from '../optim/index.js';
import type { TrainingProgram } from './program.js';
import type { Reporter } from './reporter.js';
import { NonFiniteLossError, trainStep } from './step.js';

/** What a session saves and restores; the checkpoint module writes it atomically. */
export interface CheckpointStore {
    /** Saves the state after `step` steps; returns where. */
    save(step: number): Promise<string>;
}

export interface SessionHooks {
    /** Every `every` steps and at the end: write a sample grid; returns its path. */
    sample?: { every: number; run(step: number): Promise<TrainEvent[]> };
    /** Every `every` steps and at the end: evaluate on the test set. */
    evaluate?: { every: number; run(step: number): Promise<TrainEvent[]> };
}

export interface SessionOptions {
    program: TrainingProgram;
    optimizer: Optimizer;
    train: TrainIR;
    /** The batches: the images and the labels aligned with them. */
    dataset: Feed;
    batch: number;
    /** Steps already done (resume) and the step to stop at. */
    startStep: number;
    totalSteps: number;
    reporter: Reporter;
    checkpoints: CheckpointStore;
    /** Save a checkpoint at least every this many steps. */
    checkpointEvery: number;
    ema?: Ema;
    hooks?: SessionHooks;
    /** Set by Ctrl-C: the session saves and stops after the current step. */
    signal: { stop: boolean };
    /** Report progress at most this often (ms). */
    progressInterval?: number;
}

export interface SessionResult {
    step: number;
    reason: 'finished' | 'interrupted' | 'non-finite';
    lastLoss?: number;
    losses: number[];
}

/**
 * The training loop: batches in the dataset's seeded order, one `trainStep` each, progress
 * events, periodic checkpoints, samples and evaluations; a checkpoint when it stops, for any
 * reason but a non-finite loss (then the last good checkpoint is kept, untouched).
 */
export async function runSession(o: SessionOptions): Promise<SessionResult> {
    const perEpoch = o.dataset.batchesPerEpoch(o.batch);
    if (perEpoch < 1) throw new Error(`the dataset has ${o.dataset.size} examples: fewer than one batch of ${o.batch}`);
    const started = Date.now();
    let windowStart = Date.now(),
        windowSteps = 0,
        lastReport = 0;
    const losses: number[] = [];
    let step = o.startStep;
    let reason: SessionResult['reason'] = 'finished';
    const emit = (events: TrainEvent[]) => events.forEach(e => o.reporter.emit(e));
    try {
        while (step < o.totalSteps) {
            // Let signal handlers run: on wasm and cpu a whole step can complete without yielding.
            await new Promise(resolve => setImmediate(resolve));
            if (o.signal.stop) {
                reason = 'interrupted';
                break;
            }
            const epoch = Math.floor(step / perEpoch);
            const batch = o.dataset.batch(epoch, step % perEpoch, o.batch);
            let result;
            try {
                result = await trainStep(o.program, o.optimizer, o.train, batch, step);
            } finally {
                Object.values(batch).forEach(t => t.dispose());
            }
            o.ema?.update();
            step++;
            windowSteps++;
            losses.push(result.loss);
            const now = Date.now();
            const atEnd = step === o.totalSteps;
            const { sample, evaluate } = o.hooks ?? {};
            const sampleDue = sample !== undefined && (step % sample.every === 0 || atEnd);
            const evaluateDue = evaluate !== undefined && (step % evaluate.every === 0 || atEnd);
            const checkpointDue = step % o.checkpointEvery === 0 && !atEnd;
            // Progress is throttled, but never behind the samples, evaluations and checkpoints that follow it.
            if (now - lastReport >= (o.progressInterval ?? 500) || atEnd || sampleDue || evaluateDue || checkpointDue) {
                const seconds = (now - windowStart) / 1000;
                const stepsPerSecond = seconds > 0 ? windowSteps / seconds : 0;
                o.reporter.emit({
                    event: 'progress',
                    step,
                    epoch,
                    loss: result.loss,
                    terms: result.terms,
                    imagesPerSecond: stepsPerSecond * o.batch,
                    etaSeconds: stepsPerSecond > 0 ? (o.totalSteps - step) / stepsPerSecond : Infinity,
                });
                lastReport = now;
                if (seconds > 10) {
                    windowStart = now;
                    windowSteps = 0;
                }
            }
            if (sampleDue) emit(await sample.run(step));
            if (evaluateDue) emit(await evaluate.run(step));
            if (checkpointDue) {
                o.reporter.emit({ event: 'checkpoint', step, path: await o.checkpoints.save(step) });
            }
        }
    } catch (error) {
        if (error instanceof NonFiniteLossError) {
            o.reporter.emit({ event: 'error', message: error.message, step: error.step, term: error.term });
            return { step, reason: 'non-finite', losses };
        }
        throw error;
    }
    if (step > o.startStep || reason === 'interrupted') {
        o.reporter.emit({ event: 'checkpoint', step, path: await o.checkpoints.save(step) });
    }
    o.reporter.emit({ event: 'done', step, seconds: (Date.now() - started) / 1000, reason: reason === 'interrupted' ? 'interrupted' : 'finished' });
    return { step, reason, losses, ...(losses.length ? { lastLoss: losses[losses.length - 1]! } : {}) };
}
