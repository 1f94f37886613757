/**
 * What the exported package computes by itself, before any weights or noise are handed to it, is the
 * TensorFlow.js runtime's: the networks' initial weights for the model's seed (same names, same
 * values, bit for bit), and the batches of each epoch (order, scaling, binarization).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { loadCheckpoint } from '../src/checkpoint/index.js';
import { compileModel } from '../src/compile/index.js';
import { loadDataset } from '../src/data/index.js';
import { exportTorch } from '../src/torch/export.js';
import { examples, loadExample } from './fixtures.js';
import { torchOrWhyNot } from './torch/available.js';

const torch = torchOrWhyNot();
const tmp = mkdtempSync(path.join(tmpdir(), 'gm-torch-initial-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!torch.ok)('the exported package on its own', () => {
    beforeAll(async () => {
        await selectBackend('wasm');
    });

    it.for(['vae.gm', 'ddpm.gm', 'ddpm-mlp.gm', 'hvae.gm', 'cvae.gm'])("%s: initial weights and batches are the TensorFlow.js runtime's", { timeout: 600_000 }, async file => {
        const dir = path.join(tmp, file);
        const out = path.join(dir, 'out');
        mkdirSync(out, { recursive: true });
        await exportTorch(path.join(examples, file), path.join(dir, 'package'));
        const run = spawnSync(
            torch.ok ? torch.python : 'python3',
            [path.resolve(import.meta.dirname, 'torch/initial.py'), path.join(dir, 'package'), path.join(dir, 'checkpoint'), out],
            { encoding: 'utf8' },
        );
        expect(run.status, run.stderr).toBe(0);
        const { model, derivation } = await loadExample(file);
        const compiled = compileModel(model, derivation, model.train.seed);
        try {
            const saved = new Map((await loadCheckpoint(path.join(dir, 'checkpoint'))).weights.map(w => [w.name, w]));
            expect([...saved.keys()].sort()).toEqual(compiled.parameters.map(p => p.name).sort());
            for (const p of compiled.parameters) {
                const w = saved.get(p.name)!;
                expect(w.shape, p.name).toEqual(p.variable.shape);
                expect(Buffer.from(w.values.buffer).equals(Buffer.from(((await p.variable.data()) as Float32Array).buffer)), `${p.name} bit for bit`).toBe(true);
            }
        } finally {
            compiled.dispose();
        }
        const observed = model.variables.find(v => v.role === 'observed' && v.data && !v.labels)!;
        const data = model.data.find(d => d.name === observed.data)!;
        const dataset = await loadDataset({ ...data, split: 'train' }, observed.shape, { seed: model.train.seed, baseDir: examples });
        for (const [epoch, index] of [
            [0, 0],
            [0, 3],
            [2, 1],
        ] as const) {
            const batch = dataset.batch(epoch, index, 16);
            const expected = Buffer.from(((await batch.data()) as Float32Array).buffer);
            batch.dispose();
            expect(readFileSync(path.join(out, `batch-${epoch}-${index}.f32`)).equals(expected), `epoch ${epoch}, batch ${index}`).toBe(true);
            // A conditional model's labels: the same examples' classes, in the same order.
            if (model.variables.some(v => v.labels)) {
                expect(
                    readFileSync(path.join(out, `labels-${epoch}-${index}.u8`)).equals(Buffer.from(dataset.batchLabels(epoch, index, 16))),
                    `labels of epoch ${epoch}, batch ${index}`,
                ).toBe(true);
            }
        }
    });
});
