import { assignNamedArrays, findCheckpoint, loadCheckpoint, sourceHash, type Checkpoint } from '../checkpoint/index.js';
import type { Ema, Optimizer } from '../optim/index.js';
import type { PreparedModel } from './prepare.js';
import { runChanges, type RunSettings } from './run-settings.js';

/**
 * Puts the run in `target` (a checkpoint folder, or an output folder's latest) back into the model,
 * optimizer and EMA. The checkpoint is read whole before anything is assigned; a resume that would
 * change the run (source, batch, seed, data, optimizer, objective) is refused unless `force`, with
 * the list of what changed. Under `force`, another optimizer starts with fresh state.
 */
export async function resumeRun(target: string, prepared: PreparedModel, settings: RunSettings, state: { optimizer: Optimizer; ema?: Ema; force: boolean }): Promise<Checkpoint> {
    const folder = await findCheckpoint(target);
    if (!folder) throw new Error(`${target}: no checkpoint to resume from`);
    const checkpoint = await loadCheckpoint(folder);
    if (checkpoint.model !== prepared.model.name) throw new Error(`${folder}: the checkpoint is of model ${checkpoint.model}, not ${prepared.model.name}`);
    const changes = runChanges(checkpoint, settings, sourceHash(prepared.source), prepared.file);
    if (changes.length > 0 && !state.force) {
        throw new Error(
            `${folder}: resuming would change the run (step ${checkpoint.step}): ${changes.join('; ')}. ` +
                'Resume with the settings it was trained with, train anew with a fresh --out, or pass --force to resume anyway',
        );
    }
    assignNamedArrays(
        prepared.compiled.parameters.map(p => ({ name: p.name, variable: p.variable })),
        checkpoint.weights,
        'weights',
    );
    if (checkpoint.optimizer && checkpoint.optimizer.name === state.optimizer.name) state.optimizer.loadState(checkpoint.optimizer);
    // A checkpoint without EMA weights (the model gained `ema:`) starts the average at the weights.
    state.ema?.load(checkpoint.ema ?? checkpoint.weights);
    return checkpoint;
}
