/**
 * Conditional models in the runtime: labels arrive aligned with their images in every batch,
 * one-hot or as the index; a network called with several inputs reads them side by side exactly
 * as concat does; named heads compute what slices compute; the class given to the prior sampler
 * is the one the decoder sees.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataIR, VariableIR } from '@gm/language';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileModel } from '../src/compile/index.js';
import { TfjsExecutor } from '../src/compile/tfjs-executor.js';
import { encodeIdxUint8, feedOf, labelTensor, loadDataset } from '../src/data/index.js';
import { compilePriorSampler } from '../src/sample/index.js';
import { examples, here, loadExample } from './fixtures.js';

let dir: string;
const COUNT = 40;
const labelOf = (i: number) => (i * 7) % 10;

beforeAll(async () => {
    await selectBackend('wasm');
    dir = mkdtempSync(path.join(tmpdir(), 'gm-labels-'));
    // Every pixel of image i is 20 × its label, so a batch shows whether labels and images stay together.
    const pixels = Uint8Array.from({ length: COUNT * 6 }, (_, j) => 20 * labelOf(Math.floor(j / 6)));
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdxUint8([COUNT, 3, 2], pixels));
    writeFileSync(
        path.join(dir, 'train-labels-idx1-ubyte'),
        encodeIdxUint8(
            [COUNT],
            Uint8Array.from({ length: COUNT }, (_, i) => labelOf(i)),
        ),
    );
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdxUint8([COUNT, 3, 2], pixels));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const label = (name: string, labels: VariableIR['labels']) => ({ name, role: 'observed', dtype: 'int', shape: [], data: 'd', labels, range: here }) as VariableIR;

describe('labels from a dataset', () => {
    it('come with the same examples as the images, in every shuffled batch and in slices', async () => {
        const data: DataIR = { name: 'd', dataset: 'idx', path: dir, split: 'train', binarize: 'none', valueRange: [0, 1], shape: [], range: here };
        const dataset = await loadDataset(data, [6], { seed: 5 });
        const feed = feedOf(dataset, 'x', [label('y', { encoding: 'one-hot', classes: 10 }), label('k', { encoding: 'index' })]);
        const seen = new Set<number>();
        for (const [epoch, index] of [
            [0, 0],
            [0, 3],
            [1, 1],
            [2, 4],
        ] as const) {
            const inputs = feed.batch(epoch, index, 8);
            const fromPixels = (tf.round(tf.mul(inputs['x']!, 255 / 20)).arraySync() as number[][]).map(row => row[0]!);
            expect((tf.argMax(inputs['y']!, 1).arraySync() as number[]).map(Number)).toEqual(fromPixels);
            expect(inputs['k']!.arraySync()).toEqual(fromPixels);
            expect((tf.sum(inputs['y']!, 1).arraySync() as number[]).every(s => s === 1)).toBe(true);
            fromPixels.forEach(k => seen.add(k));
            tf.dispose(Object.values(inputs));
        }
        expect(seen.size).toBeGreaterThan(5); // shuffled: not one class per batch
        const slice = feed.slice(10, 5);
        expect(slice['k']!.arraySync()).toEqual([10, 11, 12, 13, 14].map(labelOf));
        tf.dispose(Object.values(slice));
    });

    it('a label past the one-hot width is an error that names it', () => {
        expect(() => labelTensor([1, 9], { encoding: 'one-hot', classes: 5 })).toThrow(/a label is 9, but the label variable is one-hot over 5 classes/);
    });
});

/** The CVAE example rewritten, written next to the examples' temporary copies. */
async function variant(edit: (text: string) => string) {
    const file = path.join(dir, `cvae-${Math.random().toString(36).slice(2)}.gm`);
    writeFileSync(file, edit(readFileSync(path.join(examples, 'cvae.gm'), 'utf-8')));
    return loadExample(file);
}

describe('the conditional VAE (examples/cvae.gm)', () => {
    const x = () =>
        tf.tensor2d(
            Float32Array.from({ length: 4 * 784 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
            [4, 784],
        );
    const y = () => labelTensor([0, 3, 7, 9], { encoding: 'one-hot', classes: 10 });

    async function lossOf(loaded: Awaited<ReturnType<typeof loadExample>>): Promise<number> {
        const c = compileModel(loaded.model, loaded.derivation, 7);
        try {
            const inputs = { x: x(), y: y() };
            const loss = tf.tidy(() => c.loss(inputs, 3).loss.arraySync() as number);
            tf.dispose(Object.values(inputs));
            return loss;
        } finally {
            c.dispose();
        }
    }

    it('feeds x and y to the program, and decoder(z, y) computes decoder(concat(z, y)); heads compute the slices', async () => {
        const cvae = await loadExample('cvae.gm');
        const c = compileModel(cvae.model, cvae.derivation, 7);
        expect(c.program.inputs).toEqual([
            { variable: 'x', shape: [784] },
            { variable: 'y', shape: [10] },
        ]);
        c.dispose();
        const base = await lossOf(cvae);
        expect(Number.isFinite(base)).toBe(true);
        expect(await lossOf(await variant(t => t.replace('decoder(z, y)', 'decoder(concat(z, y))')))).toBeCloseTo(base, 4);
        const sliced = await variant(t =>
            t.replace('(mean: 2, logvar: 2)', '4').replace('encoder(x, y).mean', 'encoder(x, y)[0:2]').replace('encoder(x, y).logvar', 'encoder(x, y)[2:4]'),
        );
        expect(await lossOf(sliced)).toBeCloseTo(base, 4);
        // The label is read: other labels give another loss.
        const c2 = compileModel(cvae.model, cvae.derivation, 7);
        const inputs = { x: x(), y: labelTensor([1, 1, 1, 1], { encoding: 'one-hot', classes: 10 }) };
        const other = tf.tidy(() => c2.loss(inputs, 3).loss.arraySync() as number);
        tf.dispose(Object.values(inputs));
        c2.dispose();
        expect(Math.abs(other - base)).toBeGreaterThan(1e-3);
    });

    it('the prior sampler takes the class as its input: the same class and seed give the same digits, another class others', async () => {
        const { model, derivation } = await loadExample('cvae.gm');
        const c = compileModel(model, derivation, 7);
        const program = compilePriorSampler(model);
        expect(program.inputs).toEqual([{ variable: 'y', shape: [10] }]);
        const draw = (k: number) => {
            const executor = new TfjsExecutor(program, c.networks, 1);
            const yk = labelTensor([k, k], { encoding: 'one-hot', classes: 10 });
            const out = tf.tidy(() => executor.outputs({ y: yk }, 0)['x']!.arraySync() as number[][]);
            yk.dispose();
            executor.dispose();
            return out;
        };
        const [a, b, other] = [draw(3), draw(3), draw(5)];
        expect(a).toEqual(b);
        const diff = a[0]!.reduce((s, v, i) => s + Math.abs(v - other[0]![i]!), 0);
        expect(diff).toBeGreaterThan(1e-3);
        c.dispose();
    });
});
