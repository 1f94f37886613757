export { writeImageGrid, writeTrajectoryStrip, type GridOptions, type ImageBatch } from './png-grid.js';
export { imageGeometry, type ImageGeometry } from './geometry.js';
