export { buildNetwork } from './build.js';
export { buildMlp } from './mlp.js';
export { buildUNet } from './unet.js';
export type { Network, ApplyOptions } from './network.js';
export { ParameterStore, countParameters, pytorchDefault, varianceScalingFanAvg, type Parameter, type Init } from './parameters.js';
export { timestepEmbedding } from './time-embedding.js';
export { activation, silu } from './activations.js';
export { groupNorm, groupCount, upsample2x, subsample2x, dense, conv } from './layers.js';
