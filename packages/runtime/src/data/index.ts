export { loadDataset, readSplits, type Dataset, type LoadOptions } from './dataset.js';
export { readIdx, parseIdx, encodeIdxUint8, type IdxArray } from './idx.js';
export { readIdxFolder, readIdxPath, readIdxImages, readIdxLabels, readFashionMnist, FASHION_MNIST_DIR } from './idx-source.js';
export { readMnistPackage, MNIST_PACKAGE_TEST_COUNT } from './mnist-package.js';
export type { RawImages, RawSplits } from './raw-dataset.js';
