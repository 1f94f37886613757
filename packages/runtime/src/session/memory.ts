/**
 * How much memory training needs, estimated before step 1 and checked against what the machine
 * (or the wasm heap) can give: parameters, optimizer state (and EMA), and the activations of a
 * batch. Activations are measured, not guessed: the forward pass is run on batches of 1 and 2
 * examples and the bytes alive at its end (what backpropagation keeps) are extrapolated linearly to
 * the batch; the backward pass holds about as much again, so the estimate doubles it.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../train/events.js';
import type { TrainingProgram } from './program.js';
import { formatBytes } from './reporter.js';

export type MemoryEstimate = NonNullable<Extract<TrainEvent, { event: 'start' }>['memory']>;

/** The wasm backend's heap cannot grow past 4 GiB − 64 KiB (wasm32; emscripten's getHeapMax). */
const WASM_HEAP = 4294901760;

/** Bytes alive at the end of the forward pass of a batch of `n` (zeros of the input's shape). */
function forwardBytes(program: TrainingProgram, shape: number[], n: number): number {
    const batch = tf.zeros([n, ...shape]);
    const before = tf.memory().numBytes;
    let alive = 0;
    try {
        const { value, grads } = tf.variableGrads(
            () => {
                const { loss } = program.loss(batch, 0);
                alive = tf.memory().numBytes - before;
                return loss;
            },
            program.parameters.map(p => p.variable),
        );
        tf.dispose([value, ...Object.values(grads)]);
    } finally {
        batch.dispose();
    }
    return alive;
}

/** What this process can use: the machine's free memory (a container's limit included), and the wasm heap's bound. */
function available(backend: string): { bytes: number; limit: string } | undefined {
    const free = typeof process.availableMemory === 'function' ? process.availableMemory() : os.freemem();
    const machine = `this machine has ${formatBytes(free)} free of ${formatBytes(os.totalmem())}`;
    if (backend === 'wasm') return free < WASM_HEAP ? { bytes: free, limit: machine } : { bytes: WASM_HEAP, limit: `the wasm backend's heap is at most 4 GiB` };
    if (backend === 'cpu' || backend === 'tensorflow') return { bytes: free, limit: machine };
    // WebGPU and CUDA keep tensors in device memory, whose size Node cannot ask for.
    return undefined;
}

/**
 * Estimates training memory for `batch`; `stateBytes` is what the optimizer and EMA hold (measured
 * when they were created). The probe's intermediate tensors are freed before it returns.
 */
export function estimateTrainingMemory(program: TrainingProgram, inputShape: number[], batch: number, stateBytes: number, backend: string): MemoryEstimate {
    const parameters = program.parameters.reduce((n, p) => n + p.variable.size * 4, 0);
    const one = forwardBytes(program, inputShape, 1),
        two = forwardBytes(program, inputShape, 2);
    const perExample = Math.max(0, two - one);
    const activations = 2 * (Math.max(0, one - perExample) + perExample * batch) + parameters; // + the gradients
    const total = parameters + stateBytes + activations;
    const room = available(backend);
    return {
        parameters,
        optimizer: stateBytes,
        activations,
        perExample: 2 * perExample,
        total,
        ...(room ? { available: room.bytes, limit: room.limit } : {}),
    };
}

/** The refusal when the estimate does not fit, with the batch that would; undefined when it fits. */
export function memoryProblem(e: MemoryEstimate, batch: number): string | undefined {
    if (e.available === undefined || e.total <= e.available) return undefined;
    const fits = e.perExample > 0 ? Math.floor((e.available - (e.total - e.perExample * batch)) / e.perExample) : 0;
    return (
        `training needs about ${formatBytes(e.total)} (parameters ${formatBytes(e.parameters)}, optimizer state ${formatBytes(e.optimizer)}, ` +
        `activations and gradients for a batch of ${batch} ${formatBytes(e.activations)}), more than ${formatBytes(e.available)}: ${e.limit}. ` +
        (fits >= 1 ? `Use a smaller --batch (about ${fits} fits), ` : 'The model does not fit even with a batch of 1: make it smaller, ') +
        'or pass --force to try anyway'
    );
}
