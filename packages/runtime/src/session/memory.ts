/**
 * How much memory training needs, estimated before step 1 and checked against what the machine
 * (or the wasm heap) can give: parameters, optimizer state (and EMA), and the activations and
 * gradients of a batch. Those are measured, not guessed: a gradient computation on batches of 1
 * and 2 examples, its peak extrapolated linearly to the batch.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../train/events.js';
import type { TrainingProgram } from './program.js';
import type { Inputs } from '../data/index.js';
import { formatBytes } from './reporter.js';

export type MemoryEstimate = NonNullable<Extract<TrainEvent, { event: 'start' }>['memory']>;

/** Tensors of a parameter's shape that one optimizer update creates, at most (Adam with weight decay). */
const UPDATE_TEMPORARIES = 16;

/** The wasm backend's heap cannot grow past 4 GiB − 64 KiB (wasm32; emscripten's getHeapMax). */
const WASM_HEAP = 4294901760;

/**
 * Bytes a gradient computation on a batch of `n` (zeros of the input's shape) adds at its peak:
 * measured with tf.profile where kernels can be profiled, else (WebGPU, whose profiler reads
 * tensors synchronously) twice what is alive at the end of the forward pass, what backpropagation
 * keeps and about as much again for the gradients it builds.
 */
async function stepBytes(program: TrainingProgram, inputs: (n: number) => tf.Tensor | Inputs, n: number, backend: string): Promise<number> {
    const batch = inputs(n);
    const before = tf.memory().numBytes;
    let forward = 0;
    const run = () => {
        const { value, grads } = tf.variableGrads(
            () => {
                const { loss } = program.loss(batch, 0);
                forward = tf.memory().numBytes - before;
                return loss;
            },
            program.parameters.map(p => p.variable),
        );
        tf.dispose([value, ...Object.values(grads)]);
    };
    try {
        if (backend === 'webgpu') {
            run();
            return 2 * forward;
        }
        return (await tf.profile(run)).peakBytes - before;
    } finally {
        tf.dispose(batch instanceof tf.Tensor ? batch : Object.values(batch));
    }
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
/** `inputs(n)`: a batch of n examples (every observed variable), as the training step reads it. */
export async function estimateTrainingMemory(
    program: TrainingProgram,
    inputs: (n: number) => tf.Tensor | Inputs,
    batch: number,
    stateBytes: number,
    backend: string,
): Promise<MemoryEstimate> {
    const parameters = program.parameters.reduce((n, p) => n + p.variable.size * 4, 0);
    const one = await stepBytes(program, inputs, 1, backend),
        two = await stepBytes(program, inputs, 2, backend);
    const perExample = Math.max(0, two - one);
    // After backpropagation the gradients stay while each parameter's update makes its temporaries
    // (Adam's: 14, 16 with weight decay), freed before the next: a second peak, independent of the batch.
    const largest = program.parameters.reduce((n, p) => Math.max(n, p.variable.size * 4), 0);
    const update = parameters + UPDATE_TEMPORARIES * largest;
    const activations = Math.max(Math.max(0, one - perExample) + perExample * batch, update);
    const total = parameters + stateBytes + activations;
    const room = available(backend);
    return { parameters, optimizer: stateBytes, activations, perExample, total, ...(room ? { available: room.bytes, limit: room.limit } : {}) };
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
