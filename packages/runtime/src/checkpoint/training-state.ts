/**
 * The state of a training run as a checkpoint and back: weights by parameter name, the optimizer's
 * moments and step count, the EMA weights, the step, epoch and seed, and the model's source hash.
 * Restoring checks the source hash, so that a changed model is not resumed silently.
 */
import type { Parameter } from '../nets/parameters.js';
import type { Ema } from '../optim/ema.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Checkpoint, RunPosition } from './checkpoint.js';
import { assignNamedArrays, readNamedArrays } from './named-array.js';

export interface TrainingState {
    model: string;
    sourceHash: string;
    step: number;
    epoch: number;
    seed: number;
    parameters: Parameter[];
    optimizer?: Optimizer;
    ema?: Ema;
    metadata?: Record<string, unknown>;
}

/** The fields a checkpoint copies from the state as they are; only the tensors need reading. */
function position(state: TrainingState): RunPosition {
    return { model: state.model, sourceHash: state.sourceHash, step: state.step, epoch: state.epoch, seed: state.seed, rng: {} };
}

/** The training state as a checkpoint, read with `await data()` (the only read every backend has, WebGPU included). */
export async function snapshotAsync(state: TrainingState): Promise<Checkpoint> {
    return {
        ...position(state),
        weights: await readNamedArrays(state.parameters),
        optimizer: state.optimizer && { name: state.optimizer.name, ...(await state.optimizer.saveStateAsync()) },
        ema: await state.ema?.saveAsync(),
        metadata: state.metadata ?? {},
    };
}

export interface RestoreTargets {
    parameters: Parameter[];
    optimizer?: Optimizer;
    ema?: Ema;
    /** The current model's source hash; a different one in the checkpoint is an error unless `allowChangedSource`. */
    sourceHash?: string;
    allowChangedSource?: boolean;
}

/** Puts a checkpoint's weights (and optimizer and EMA state, when given targets) back. */
export function restore(checkpoint: Checkpoint, targets: RestoreTargets): void {
    if (targets.sourceHash && checkpoint.sourceHash !== targets.sourceHash && !targets.allowChangedSource) {
        throw new Error(`the checkpoint (step ${checkpoint.step}) was trained from a different version of model ${checkpoint.model}; its source changed since`);
    }
    assignNamedArrays(targets.parameters, checkpoint.weights, 'weights');
    if (targets.optimizer) {
        if (!checkpoint.optimizer) throw new Error('the checkpoint has no optimizer state');
        if (checkpoint.optimizer.name !== targets.optimizer.name)
            throw new Error(`the checkpoint's optimizer is ${checkpoint.optimizer.name}, the model's is ${targets.optimizer.name}`);
        targets.optimizer.loadState(checkpoint.optimizer);
    }
    if (targets.ema) {
        // A checkpoint without EMA weights (the model gained `ema:`) starts the average at the weights.
        if (checkpoint.ema) targets.ema.load(checkpoint.ema);
        else targets.ema.load(checkpoint.weights);
    }
}
