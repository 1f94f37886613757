import type { TrainIR } from '@gm/language';
import type { Feed } from '../data/index.js';
import type { TrainEvent } from '../train/events.js';
import type { Ema, Optimizer } from '../optim/index.js';
import { NonFiniteStateError } from '../checkpoint/index.js';
import type { TrainingProgram } from './program.js';
import type { Reporter } from './reporter.js';
import { NonFiniteLossError, trainStep } from './step.js';

/** What a session saves and restores; the checkpoint module writes it atomically. */
export interface CheckpointStore {
    /** Saves the state after `step` steps; returns where. Refuses non-finite state (NonFiniteStateError). */
    save(step: number): Promise<string>;
    /** The newest checkpoint that reads whole, of a step before `before`: what to resume from after a non-finite value. */
    newest(before: number): Promise<{ folder: string; step: number } | undefined>;
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
 * What to do after a non-finite loss at step s (computed from the weights after s updates, which
 * checkpoint s holds) or non-finite state after update s (never written): resume from the newest
 * whole checkpoint before s, once the cause is fixed.
 */
async function resumeAdvice(checkpoints: CheckpointStore, step: number): Promise<string> {
    const newest = await checkpoints.newest(step);
    if (!newest) return ` No whole checkpoint precedes step ${step}: fix the cause (e.g. a smaller learning rate) and train anew.`;
    return (
        ` The newest whole checkpoint before step ${step} is ${newest.folder} (step ${newest.step}): fix the cause (e.g. a smaller learning rate), ` +
        `then resume from it with --checkpoint ${newest.folder} --force.`
    );
}

/**
 * The training loop: batches in the dataset's seeded order, one `trainStep` each, progress
 * events, periodic checkpoints, samples and evaluations; a checkpoint when it stops, for any
 * reason but a non-finite loss or state (then nothing is written, and the error names the newest
 * whole checkpoint to resume from).
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
                o.reporter.emit({ event: 'checkpoint', step, path: await o.checkpoints.save(step), loss: result.loss });
            }
        }
        if (step > o.startStep || reason === 'interrupted') {
            const loss = losses.at(-1);
            o.reporter.emit({ event: 'checkpoint', step, path: await o.checkpoints.save(step), ...(loss !== undefined ? { loss } : {}) });
        }
    } catch (error) {
        if (error instanceof NonFiniteLossError) {
            o.reporter.emit({ event: 'error', message: error.message + (await resumeAdvice(o.checkpoints, error.step)), step: error.step, term: error.term });
            return { step, reason: 'non-finite', losses };
        }
        if (error instanceof NonFiniteStateError) {
            o.reporter.emit({ event: 'error', message: error.message + '.' + (await resumeAdvice(o.checkpoints, error.step)), step: error.step });
            return { step, reason: 'non-finite', losses };
        }
        throw error;
    }
    o.reporter.emit({ event: 'done', step, seconds: (Date.now() - started) / 1000, reason: reason === 'interrupted' ? 'interrupted' : 'finished' });
    return { step, reason, losses, ...(losses.length ? { lastLoss: losses[losses.length - 1]! } : {}) };
}
