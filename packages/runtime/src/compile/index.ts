export type { Program, Instruction, ProgramTerm, UnaryFn, BinaryFn } from './program.js';
export { termWeight } from './program.js';
export { compileBound, type CompileOptions } from './compile.js';
export { CompileError } from './expressions.js';
export { TfjsExecutor, type EvaluateOptions } from './tfjs-executor.js';
export { compileModel, imageInput, type CompiledModel } from './model.js';
