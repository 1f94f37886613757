import type { NamedArray } from './named-array.js';

/** Where a run stands: what a checkpoint and its manifest both record, with the same meaning. */
export interface RunPosition {
    /** The model's name and the SHA-256 of its source text (`sourceHash`). */
    model: string;
    sourceHash: string;
    /** Training steps completed; the next step to run is `step`. */
    step: number;
    epoch: number;
    /** The run's seed: every random draw of step s is seeded by (seed, s, stream). */
    seed: number;
    /** States of host-side generators by name (their whole state is one integer each). */
    rng: Record<string, number>;
}

/** Everything needed to continue a run exactly, or to evaluate and sample from it. */
export interface Checkpoint extends RunPosition {
    weights: NamedArray[];
    optimizer?: { name: string; iterations: number; slots: NamedArray[] };
    /** Exponential moving average of the weights, when the model trains one. */
    ema?: NamedArray[];
    /** Anything else the trainer wants back (backend, options, last losses). */
    metadata: Record<string, unknown>;
}

export type TensorGroup = 'weights' | 'optimizer' | 'ema';

/** The JSON file of a checkpoint folder: everything but the tensor values, which are in `tensors.bin`. */
export interface CheckpointManifest extends RunPosition {
    format: 'gm-checkpoint';
    /** 2: `checkpoint.sha256` covers this file and `tensors.bin`; 1 (older): only `tensors.bin` was hashed. */
    version: 1 | 2;
    createdAt: string;
    /**
     * The tensors in `tensors.bin`: little-endian float32, one after another in this order, so that
     * `offset` (in values) is the sum of the lengths before it and `length` is the product of `shape`.
     */
    tensors: { group: TensorGroup; name: string; shape: number[]; dtype?: 'float32'; offset: number; length: number }[];
    optimizer?: { name: string; iterations: number };
    /** Size and SHA-256 of `tensors.bin`, to detect a damaged file. */
    bytes: number;
    sha256: string;
    metadata: Record<string, unknown>;
}

export const MANIFEST_FILE = 'checkpoint.json';
export const TENSORS_FILE = 'tensors.bin';
/** SHA-256 of every other file of the folder, in `sha256sum` format (`sha256sum -c` checks it); written last. */
export const CHECKSUMS_FILE = 'checkpoint.sha256';
/** In an output folder: a file naming the latest complete checkpoint folder. */
export const LATEST_FILE = 'latest';
