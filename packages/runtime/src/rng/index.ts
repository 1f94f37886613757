export { deriveSeed, hashString } from './seeds.js';
export { Random } from './random.js';
