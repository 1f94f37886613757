/**
 * What makes a run the run it is, besides the weights: batch, seed, data, optimizer and the
 * objective's settings. A checkpoint records them (metadata.run) so that a resume that would
 * silently change the run, and with it the exact-resume promise, is refused and says what changed.
 */
import type { DataIR, TrainIR } from '@gm/language';
import type { Checkpoint } from '../checkpoint/index.js';

export interface RunSettings {
    batch: number;
    seed: number;
    data: { dataset: string; path?: string; split: string; binarize: string; valueRange: [number, number]; limit?: number; examples: number };
    optimizer: { name: string; lr: number; options: Record<string, number> };
    /** The objective and the update's other settings (β, KL warm-up, k, L, clipping, warm-up, EMA, chain objective). */
    objective: Record<string, number | string | undefined>;
}

export function runSettings(train: TrainIR, data: DataIR, dataset: { size: number }): RunSettings {
    return {
        batch: train.batch,
        seed: train.seed,
        data: {
            dataset: data.dataset,
            ...(data.path !== undefined ? { path: data.path } : {}),
            split: data.split,
            binarize: data.binarize,
            valueRange: data.valueRange,
            ...(data.limit !== undefined ? { limit: data.limit } : {}),
            examples: dataset.size,
        },
        optimizer: { name: train.optimizer.name, lr: train.optimizer.lr, options: train.optimizer.options },
        objective: {
            beta: train.beta,
            klWarmup: train.klWarmup,
            k: train.k,
            samples: train.samples,
            objective: train.objective,
            hybridWeight: train.hybridWeight,
            ema: train.ema,
            clip: train.clip,
            lrWarmup: train.lrWarmup,
        },
    };
}

/** Leaves of a JSON value by dotted path (`optimizer.options.beta1`), undefined ones left out. */
function flatten(value: unknown, prefix: string, into: Map<string, string>): Map<string, string> {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
    } else if (value !== undefined) {
        into.set(prefix, JSON.stringify(value));
    }
    return into;
}

/**
 * What resuming `checkpoint` with `current` settings and source would change, one line each
 * (`batch 32 → 16`). A checkpoint from before run settings were recorded is compared on batch and seed.
 */
export function runChanges(checkpoint: Checkpoint, current: RunSettings, currentSourceHash: string, file: string): string[] {
    const changes: string[] = [];
    if (checkpoint.sourceHash !== currentSourceHash) changes.push(`the model's source ${file} changed`);
    const recorded = checkpoint.metadata.run as RunSettings | undefined;
    const saved = flatten(recorded ?? { batch: checkpoint.metadata.batch, seed: checkpoint.seed }, '', new Map());
    const now = flatten(current, '', new Map());
    // An older checkpoint: compare only what it recorded.
    if (!recorded) for (const key of now.keys()) if (!saved.has(key)) now.delete(key);
    for (const key of new Set([...saved.keys(), ...now.keys()])) {
        const was = saved.get(key),
            is = now.get(key);
        if (was !== is) changes.push(`${key} ${was ?? '(unset)'} → ${is ?? '(unset)'}`);
    }
    return changes;
}
