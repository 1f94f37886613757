export type { Checkpoint, CheckpointManifest } from './checkpoint.js';
export { MANIFEST_FILE, TENSORS_FILE, CHECKSUMS_FILE, LATEST_FILE } from './checkpoint.js';
export { saveCheckpoint, loadCheckpoint, findCheckpoint, newestWholeCheckpoint, checkpointFolderName, NonFiniteStateError, DEFAULT_KEEP, type SaveOptions } from './store.js';
export { DamagedCheckpointError } from './verify.js';
export { readNamedArrays, assignNamedArrays, type NamedArray } from './named-array.js';
export { sourceHash } from './source-hash.js';
export { snapshotAsync, restore, type TrainingState, type RestoreTargets } from './training-state.js';
