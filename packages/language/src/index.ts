export * from './gm-module.js';
export * from './gm-workspace.js';
export * from './ir/types.js';
export * from './ir/lower.js';
export { evaluate } from './ir/expressions.js';
export * from './library/library.js';
export * from './load.js';
export * as GmAst from './generated/ast.js';
