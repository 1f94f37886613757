import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { assignNamedArrays } from '../checkpoint/index.js';
import { isBackendRequest, type BackendRequest } from '../backend/index.js';
import { defaultOutDir, prepareModel, restoreWeights, type PreparedModel } from '../session/prepare.js';
import { UsageError } from './check.js';

/** Options every command that reads a trained model takes. */
export const CHECKPOINT_OPTIONS = {
    model: { type: 'string' },
    checkpoint: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    seed: { type: 'string' },
    force: { type: 'boolean', default: false },
    'no-ema': { type: 'boolean', default: false },
} as const;

/** String-valued options by name, for parseCheckpointArgs. */
export function stringOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
    return Object.fromEntries(names.map(name => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

/**
 * Parses the arguments of `gm COMMAND FILE [options]`: the checkpoint options and the command's own;
 * exactly one positional, the .gm file.
 */
export function parseCheckpointArgs<const O extends ParseArgsOptionsConfig>(command: string, args: string[], options: O) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...CHECKPOINT_OPTIONS, ...options } });
    if (positionals.length !== 1) throw new UsageError(`gm ${command} needs one .gm file`);
    return { values, file: positionals[0]! };
}

export function positiveInteger(value: string | undefined, flag: string): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not '${value}'`);
    return n;
}

/**
 * Loads a model and a checkpoint of it (default: the latest in the model's run folder); with an
 * EMA in the checkpoint, its averaged weights are used, as Ho et al. sample and evaluate.
 */
export async function loadTrained(
    file: string,
    values: { model?: string; checkpoint?: string; backend?: string; force?: boolean; 'no-ema'?: boolean },
): Promise<{ prepared: PreparedModel; step: number; ema: boolean }> {
    if (!isBackendRequest(values.backend ?? 'auto')) throw new UsageError('--backend is one of auto, wasm, cpu, webgpu, tfjs-node, tfjs-node-gpu');
    const prepared = await prepareModel(file, { ...(values.model ? { model: values.model } : {}), backend: (values.backend ?? 'auto') as BackendRequest });
    const target = values.checkpoint ?? defaultOutDir(file, prepared.model.name);
    const checkpoint = await restoreWeights(prepared, target, { allowChangedSource: values.force ?? false });
    const useEma = checkpoint.ema !== undefined && !values['no-ema'];
    if (useEma)
        assignNamedArrays(
            prepared.compiled.parameters.map(p => ({ name: p.name, variable: p.variable })),
            checkpoint.ema!,
            'EMA weights',
        );
    return { prepared, step: checkpoint.step, ema: useEma };
}

export { parseArgs };
