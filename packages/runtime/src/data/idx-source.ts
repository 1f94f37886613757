/**
 * Datasets in IDX files: a folder with the standard names (`train-images-idx3-ubyte[.gz]`,
 * `t10k-images-idx3-ubyte[.gz]` and the label files), as MNIST, Fashion-MNIST and KMNIST ship,
 * or a single images file split deterministically.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readIdx } from './idx.js';
import type { RawImages, RawSplits } from './raw-dataset.js';
import { splitImages } from './split.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Reads an images file: unsigned bytes with 3 dimensions [count, height, width] (or 4 with channels). */
export async function readIdxImages(file: string): Promise<RawImages> {
    const idx = await readIdx(file);
    if (!(idx.data instanceof Uint8Array) || idx.dims.length < 3) {
        throw new Error(`${file}: expected IDX images (unsigned bytes, [count, height, width]), found ${idx.dims.length} dimensions of ${idx.data.constructor.name}`);
    }
    const [count, ...imageShape] = idx.dims;
    return { source: file, count, imageShape, pixels: idx.data, scale: 1 / 255 };
}

/** Reads a labels file: unsigned bytes with 1 dimension. */
export async function readIdxLabels(file: string, count: number): Promise<Uint8Array> {
    const idx = await readIdx(file);
    if (!(idx.data instanceof Uint8Array) || idx.dims.length !== 1) {
        throw new Error(`${file}: expected IDX labels (unsigned bytes, 1 dimension), found ${idx.dims.join('×')}`);
    }
    if (idx.dims[0] !== count) throw new Error(`${file}: ${idx.dims[0]} labels for ${count} images`);
    return idx.data;
}

/** The file `base` or `base.gz` in `dir`, or undefined. */
function findFile(dir: string, base: string): string | undefined {
    for (const name of [base + '.gz', base]) {
        const file = path.join(dir, name);
        if (existsSync(file)) return file;
    }
    return undefined;
}

async function readSplit(dir: string, prefix: 'train' | 't10k'): Promise<RawImages> {
    const imagesBase = `${prefix}-images-idx3-ubyte`;
    const imagesFile = findFile(dir, imagesBase);
    if (!imagesFile) throw new Error(`${path.join(dir, imagesBase)}[.gz]: no such file; expected the ${prefix === 'train' ? 'training' : 'test'} images in IDX format`);
    const images = await readIdxImages(imagesFile);
    const labelsFile = findFile(dir, `${prefix}-labels-idx1-ubyte`);
    if (labelsFile) images.labels = await readIdxLabels(labelsFile, images.count);
    return images;
}

/** Both splits from a folder with the standard file names. */
export async function readIdxFolder(dir: string): Promise<RawSplits> {
    if (!existsSync(dir)) throw new Error(`${dir}: no such folder; expected IDX files (train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz, …)`);
    return { train: await readSplit(dir, 'train'), test: await readSplit(dir, 't10k') };
}

/** Fashion-MNIST from Debian's `dataset-fashion-mnist` (or the same files in `dir`). */
export async function readFashionMnist(dir = FASHION_MNIST_DIR): Promise<RawSplits> {
    try {
        return await readIdxFolder(dir);
    } catch (error) {
        const hint = dir === FASHION_MNIST_DIR ? ' (install it with `apt-get install dataset-fashion-mnist`)' : '';
        throw new Error(`Fashion-MNIST: ${(error as Error).message}${hint}`, { cause: error });
    }
}

/** A folder with the standard names, or one images file split deterministically (the last tenth is the test set). */
export async function readIdxPath(target: string): Promise<RawSplits> {
    if (existsSync(target) && statSync(target).isDirectory()) return readIdxFolder(target);
    const images = await readIdxImages(target);
    return splitImages(images, Math.max(1, Math.floor(images.count / 10)));
}
