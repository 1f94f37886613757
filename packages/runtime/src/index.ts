/** The gm runtime: backends, data, networks, the compiler of derived bounds, training pieces, sampling and evaluation. */
export { setAssetLocations, assetLocations, type AssetLocations } from './assets.js';
export * from './backend/index.js';
export * from './data/index.js';
export * from './image/index.js';
export * from './nets/index.js';
export * from './checkpoint/index.js';
export * from './rng/index.js';
export * from './optim/index.js';
export * from './compile/index.js';
export * from './sample/index.js';
export * from './evaluate/index.js';
export type * from './train/events.js';
