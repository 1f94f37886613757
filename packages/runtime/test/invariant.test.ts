/**
 * The invariant: every model that `gm check` accepts without errors derives a bound, trains for two steps
 * and samples; a model with an error is refused with that error before anything is compiled or run. Over
 * every example (the directory is read, so a new example is included), every model of the corpus of wrong
 * models (those with only warnings are good models) and the end-to-end fixtures, through the runtime's
 * own path: `prepareModel` (load, check, derive, compile), the training step and the samplers. Two steps of
 * batch 2, and samplers with 2 DDIM steps, keep the U-Net affordable on two CPU cores.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { conditionsOf, formatDiagnostic, loadFiles } from '@gm/language';
import { beforeAll, describe, expect, test } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { createOptimizer } from '../src/optim/index.js';
import { drawSamples } from '../src/session/draw.js';
import { feedFor, prepareModel } from '../src/session/prepare.js';
import { trainStep } from '../src/session/step.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function modelsIn(dir: string): string[] {
    return fs
        .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .flatMap(e => (e.isDirectory() ? modelsIn(path.join(dir, e.name)) : e.name.endsWith('.gm') ? [path.join(dir, e.name)] : []))
        .sort();
}

const files = [...modelsIn('examples'), ...modelsIn('test/corpus'), ...modelsIn('test/e2e/fixtures')];

/**
 * Fashion-MNIST comes from a Debian package that a machine may not have: the model then trains on MNIST, the
 * same 28×28 grey images (as test/cli-train.test.ts does), from a copy next to the original.
 */
function withInstalledData(file: string): string {
    const source = fs.readFileSync(file, 'utf-8');
    if (!source.includes('"fashion-mnist"') || fs.existsSync('/usr/share/datasets/fashion-mnist')) return file;
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-invariant-'));
    const target = path.join(copy, path.basename(file));
    fs.writeFileSync(target, source.replaceAll('"fashion-mnist"', '"mnist"'));
    return target;
}

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('every model that checks without errors derives, trains and samples; every other is refused first', () => {
    test('covers the examples and the corpora', () => {
        expect(files.filter(f => f.startsWith('examples/')).length).toBeGreaterThanOrEqual(10);
        expect(files.length).toBeGreaterThanOrEqual(100);
    });

    test.each(files)('%s', { timeout: 300_000 }, async relative => {
        const file = path.join(ROOT, relative);
        const [loaded] = await loadFiles([file]);
        const errors = loaded!.diagnostics.filter(d => d.severity === 1);
        if (errors.length > 0) {
            // The first error, located as gm check prints it, stops the runtime before it compiles anything.
            const first = formatDiagnostic(file, errors[0]!).replace(/: error: /, ': ');
            await expect(prepareModel(file, { backend: 'wasm' })).rejects.toThrow(first);
            return;
        }
        const runnable = withInstalledData(file);
        for (const { model: ir } of loaded!.models) {
            const prepared = await prepareModel(runnable, { model: ir.name, backend: 'wasm' });
            const { model, compiled, derivation } = prepared;
            const optimizer = createOptimizer(model.train, compiled.parameters);
            try {
                const feed = await feedFor(prepared, 'train', 0);
                for (let step = 0; step < 2; step++) {
                    const batch = feed.batch(0, step, 2);
                    const result = await trainStep(compiled, optimizer, model.train, batch, step);
                    tf.dispose(Object.values(batch));
                    expect(Number.isFinite(result.loss), `${model.name} step ${step}: loss ${result.loss}`).toBe(true);
                }
                const chain = derivation.chains.length > 0;
                // A model conditioned on labels draws the two samples for the classes 0 and 1.
                const classes = conditionsOf(model).length ? { classes: [0, 1] } : {};
                const { images } = await drawSamples(prepared, { n: 2, seed: 1, ...classes, ...(chain ? { sampler: 'ddim' as const, steps: 2, eta: 0 } : {}) });
                expect(images.shape[0]).toBe(2);
                expect(Array.from(images.values).every(Number.isFinite), `${model.name}: samples`).toBe(true);
            } finally {
                optimizer.dispose();
                compiled.dispose();
            }
        }
        expect(tf.memory().numTensors).toBeLessThan(10_000);
    });
});
