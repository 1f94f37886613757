/**
 * What a compiled program reads from data: for each observed variable bound to a dataset, its batch.
 * The images go to the image variable; `from mnist.labels` variables get the same examples' class
 * labels, one-hot (Int[10]) or as the index (Int), so labels stay aligned with their images.
 */
import * as tf from '@tensorflow/tfjs';
import type { LabelsIR, ModelIR, VariableIR } from '@gm/language';
import type { Dataset } from './dataset.js';

/** A batch of a program's inputs, by variable name. */
export type Inputs = Record<string, tf.Tensor>;

export interface Feed {
    size: number;
    batchesPerEpoch(batchSize: number): number;
    batch(epoch: number, index: number, batchSize: number): Inputs;
    slice(start: number, count: number): Inputs;
}

/** Class labels as a label variable holds them: [n, classes] one-hot, or [n] indices. */
export function labelTensor(labels: ArrayLike<number>, encoding: LabelsIR): tf.Tensor {
    const n = labels.length;
    if (encoding.encoding === 'index') return tf.tensor1d(Float32Array.from(labels));
    const classes = encoding.classes!;
    const out = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
        const k = labels[i]!;
        if (k >= classes) throw new Error(`a label is ${k}, but the label variable is one-hot over ${classes} classes (0–${classes - 1})`);
        out[i * classes + k] = 1;
    }
    return tf.tensor2d(out, [n, classes]);
}

/** The label variables of a model that read the dataset of `image`. */
export function labelVariables(model: ModelIR, image: VariableIR): VariableIR[] {
    return model.variables.filter(v => v.role === 'observed' && v.labels && v.data === image.data);
}

/** A feed of the image variable and the label variables bound to the same dataset. */
export function feedOf(dataset: Dataset, image: string, labels: readonly VariableIR[] = []): Feed {
    const withLabels = (images: tf.Tensor, classes: () => Uint8Array): Inputs => {
        const inputs: Inputs = { [image]: images };
        if (labels.length === 0) return inputs;
        const ks = classes();
        for (const v of labels) inputs[v.name] = labelTensor(ks, v.labels!);
        return inputs;
    };
    return {
        size: dataset.size,
        batchesPerEpoch: b => dataset.batchesPerEpoch(b),
        batch: (epoch, index, b) => withLabels(dataset.batch(epoch, index, b), () => dataset.batchLabels(epoch, index, b)),
        slice: (start, count) => withLabels(dataset.slice(start, count), () => dataset.sliceLabels(start, count)),
    };
}

/** A feed, or a dataset that feeds the images alone to `image`. */
export function asFeed(data: Dataset | Feed, image: string): Feed {
    return 'batchLabels' in data ? feedOf(data, image) : data;
}

/** A batch given as the image tensor alone (benchmarks, tests), or as inputs by variable. */
export function asInputs(batch: tf.Tensor | Inputs, image: string): Inputs {
    return batch instanceof tf.Tensor ? { [image]: batch } : batch;
}
