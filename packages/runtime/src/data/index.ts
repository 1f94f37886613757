export { loadDataset, readSplits, type Dataset, type LoadOptions } from './dataset.js';
export { readIdx, parseIdx, encodeIdxUint8, type IdxArray } from './idx.js';
export { readIdxFolder, readIdxPath, readIdxImages, readIdxLabels, readFashionMnist, FASHION_MNIST_DIR } from './idx-source.js';
export { readMnistPackage, MNIST_PACKAGE_TEST_COUNT } from './mnist-package.js';
export { readMnistData } from './mnist-data.js';
export type { RawImages, RawSplits } from './raw-dataset.js';
export { asFeed, asInputs, feedOf, labelTensor, labelVariables, type Feed, type Inputs } from './feed.js';
export { locateDatasets, type DatasetLocation } from './locate.js';
