import { assignNamedArrays } from '../checkpoint/index.js';
import type { BackendRequest } from '../backend/index.js';
import { defaultOutDir, prepareModel, restoreWeights, type PreparedModel } from '../session/prepare.js';

/** The flags `loadTrained` reads (CHECKPOINT_FLAGS). */
export interface CheckpointFlags {
    model?: string | undefined;
    checkpoint?: string | undefined;
    backend: BackendRequest;
    force: boolean;
    'no-ema': boolean;
    verbose: boolean;
}

/**
 * Loads a model and a checkpoint of it (default: the latest in the model's run folder); with an
 * EMA in the checkpoint, its averaged weights are used, as Ho et al. sample and evaluate.
 * `validate` sees the model before any checkpoint is read (flags that do not apply to it).
 */
export async function loadTrained(
    file: string,
    values: CheckpointFlags,
    validate: (prepared: PreparedModel) => void = () => {},
): Promise<{ prepared: PreparedModel; step: number; ema: boolean }> {
    const prepared = await prepareModel(file, { ...(values.model ? { model: values.model } : {}), backend: values.backend, verbose: values.verbose });
    validate(prepared);
    const target = values.checkpoint ?? defaultOutDir(file, prepared.model.name);
    const checkpoint = await restoreWeights(prepared, target, { allowChangedSource: values.force });
    const useEma = checkpoint.ema !== undefined && !values['no-ema'];
    if (useEma)
        assignNamedArrays(
            prepared.compiled.parameters.map(p => ({ name: p.name, variable: p.variable })),
            checkpoint.ema!,
            'EMA weights',
        );
    return { prepared, step: checkpoint.step, ema: useEma };
}
