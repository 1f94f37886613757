export type { Optimizer } from './optimizer.js';
export { Adam, type AdamOptions } from './adam.js';
export { Sgd, RmsProp } from './sgd.js';
export { createOptimizer, learningRate } from './create.js';
export { clipByGlobalNorm } from './clip.js';
export { Ema } from './ema.js';
