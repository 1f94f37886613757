/** The derivation engine: the variational bound of a model, its renderers and its JSON. */
export * from './types.js';
export { deriveBound, deriveFromLowering } from './derive.js';
export type { DeriveOptions } from './derive-latent.js';
export { chainCoefficients } from './chain-coefficients.js';
export { ENUMERATION_LIMIT, valueCount } from './discrete.js';
export { klNormal, klBernoulliLogits, klCategoricalLogits, discretizedGaussianLogLikelihood, erfc } from './closed-forms.js';
export { renderText, renderMarkdown, renderLatex, renderOneLine, renderStepsText, renderFactorMarkdown, renderFailure, toJson } from './render.js';
