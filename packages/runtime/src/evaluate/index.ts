export { evaluateBound, compileImportanceEstimate, estimateNegativeLogLikelihood, type BoundEvaluation, type EvaluateOptions as DatasetEvaluateOptions } from './bound.js';
export { evaluateChainBound, type ChainBoundEvaluation } from './chain-bound.js';
