import { loadModel, type ModelIR, type VariableIR } from '@gm/language';
import { deriveFromLowering, type Derivation } from '@gm/language/derivation';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { selectBackend, type BackendChoice, type BackendRequest } from '../backend/index.js';
import { assignNamedArrays, loadCheckpoint, sourceHash, type Checkpoint } from '../checkpoint/index.js';
import { compileModel, imageInput, type CompiledModel } from '../compile/index.js';
import { feedOf, labelVariables, loadDataset, type Dataset, type Feed } from '../data/index.js';

/** A model loaded, checked, derived and compiled, on a chosen backend. */
export interface PreparedModel {
    file: string;
    source: string;
    model: ModelIR;
    derivation: Derivation;
    backend: BackendChoice;
    compiled: CompiledModel;
    /** The observed variable the data feed. */
    observed: VariableIR;
}

/** Loads a .gm file and derives its bound; any error diagnostic stops here with its location. */
export async function loadChecked(file: string, modelName?: string): Promise<{ source: string; model: ModelIR; derivation: Derivation }> {
    const { loaded, result } = await loadModel(file, modelName);
    const errors = loaded.diagnostics.filter(d => d.severity === 1);
    if (errors.length > 0) {
        const first = errors[0]!;
        throw new Error(
            `${file}:${first.range.start.line + 1}:${first.range.start.character + 1}: ${String(first.message)}` +
                (errors.length > 1 ? ` (and ${errors.length - 1} more; run 'gm check ${file}')` : ''),
        );
    }
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(`${file}: no bound for model ${result.model.name}: ${derived.failure.reasons.map(r => r.message).join('; ')}`);
    return { source: loaded.document.textDocument.getText(), model: result.model, derivation: derived.derivation };
}

/** `verbose`: also print what probing the backends printed (the drivers' warnings). */
export async function prepareModel(file: string, options: { model?: string; backend: BackendRequest; seed?: number; verbose?: boolean }): Promise<PreparedModel> {
    const { source, model, derivation } = await loadChecked(file, options.model);
    const backend = await selectBackend(options.backend, model.networks, { verbose: options.verbose ?? false });
    const seed = options.seed ?? model.train.seed;
    const compiled = compileModel(model, derivation, seed);
    const observed = model.variables.find(v => v.name === imageInput(model, compiled.program));
    if (!observed) throw new Error(`model ${model.name} has no observed variable fed by data`);
    return { file, source, model, derivation, backend, compiled, observed };
}

/** The dataset of the observed variable, for the given split. */
export async function datasetFor(prepared: PreparedModel, split: 'train' | 'test', seed: number): Promise<Dataset> {
    const data = prepared.model.data.find(d => d.name === prepared.observed.data);
    if (!data) throw new Error(`observed variable ${prepared.observed.name} is not bound to a dataset ('from NAME')`);
    return loadDataset({ ...data, split }, prepared.observed.shape, { seed, baseDir: path.dirname(path.resolve(prepared.file)) });
}

/** The images of the observed variable with the labels the model reads, aligned, for the given split. */
export async function feedFor(prepared: PreparedModel, split: 'train' | 'test', seed: number): Promise<Feed> {
    const dataset = await datasetFor(prepared, split, seed);
    const labels = labelVariables(prepared.model, prepared.observed);
    const unbound = prepared.model.variables.find(v => v.role === 'observed' && v.labels && !labels.includes(v));
    if (unbound) throw new Error(`'${unbound.name}' reads the labels of '${unbound.data}', but the images come from '${prepared.observed.data}'; read both from one dataset`);
    if (labels.length > 0 && !dataset.labels) throw new Error(`'${labels[0]!.name}' reads labels, but ${dataset.source} has none`);
    return feedOf(dataset, prepared.observed.name, labels);
}

/** Where a model's runs go by default: `runs/<Model>` next to the model file. */
export function defaultOutDir(file: string, model: string): string {
    return path.join(path.dirname(path.resolve(file)), 'runs', model);
}

/** Loads a checkpoint's weights into the compiled model; the checkpoint must be of this model. */
export async function restoreWeights(prepared: PreparedModel, target: string, options: { allowChangedSource?: boolean } = {}): Promise<Checkpoint> {
    const checkpoint = await loadCheckpoint(target);
    if (checkpoint.model !== prepared.model.name) throw new Error(`${target}: the checkpoint is of model ${checkpoint.model}, not ${prepared.model.name}`);
    if (checkpoint.sourceHash !== sourceHash(prepared.source) && !options.allowChangedSource) {
        throw new Error(`${target}: the checkpoint was trained from a different version of ${prepared.file}; train anew with a fresh --out, or pass --force to load it anyway`);
    }
    assignNamedArrays(
        prepared.compiled.parameters.map(p => ({ name: p.name, variable: p.variable })),
        checkpoint.weights,
        'weights',
    );
    return checkpoint;
}

export async function exists(file: string): Promise<boolean> {
    return fs.access(file).then(
        () => true,
        () => false,
    );
}
