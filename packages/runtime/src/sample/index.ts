export { compilePriorSampler, compileReconstruction, compileDecoder, distributionMean } from './latent-sampler.js';
export { sampleChain, compileReverseStep, compilePriorDraw, samplingTimesteps, type ChainSampleOptions, type ChainSamples } from './chain-sampler.js';
