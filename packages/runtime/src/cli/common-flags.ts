import { BACKEND_REQUESTS } from '../backend/index.js';
import type { FlagSpec } from './flags.js';

/** Flags several commands share, declared once. */

export const MODEL_FLAG = { type: 'string', value: 'NAME', help: 'the model, when FILE declares several', defaultText: 'the first model in FILE' } as const satisfies FlagSpec;

export const BACKEND_FLAG = {
    type: 'choice',
    choices: BACKEND_REQUESTS,
    default: 'auto',
    help: "the TensorFlow.js backend; auto takes the fastest that loads ('gm doctor' lists them); wasm runs on every free core (GM_WASM_THREADS=1: one thread)",
} as const satisfies FlagSpec;

export const SEED_FLAG = { type: 'integer', value: 'S', min: 0, help: 'seed of the noise and the batch order', defaultText: "the train block's seed" } as const satisfies FlagSpec;

export const VERBOSE_FLAG = { type: 'boolean', help: 'also print what probing the backends printed (GPU drivers, Dawn)' } as const satisfies FlagSpec;

/** Flags of every command that reads a trained model (eval, sample). */
export const CHECKPOINT_FLAGS = {
    model: MODEL_FLAG,
    checkpoint: { type: 'string', value: 'DIR', help: 'a checkpoint folder, or a run folder (its latest checkpoint)', defaultText: 'runs/MODEL next to FILE' },
    backend: BACKEND_FLAG,
    seed: { type: 'integer', value: 'S', min: 0, default: 1, help: 'seed of the noise' },
    force: { type: 'boolean', help: 'load a checkpoint trained from a different version of FILE' },
    'no-ema': { type: 'boolean', help: 'use the trained weights, not their exponential moving average (when the checkpoint keeps one)' },
    verbose: VERBOSE_FLAG,
} as const satisfies Record<string, FlagSpec>;
