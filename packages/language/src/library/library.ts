/**
 * The built-in library: every name a model may use without declaring it. It is gm source, loaded
 * into every workspace as `builtin:///library.gm`, so that hover, completion and go-to-definition
 * treat `Normal` or `relu` like any other declaration.
 */
import { libraryDeclarations } from '../distributions/registry.js';
import { functionDeclarations } from '../ir/functions.js';

export const LIBRARY_URI = 'builtin:///library.gm';

export const LIBRARY_SOURCE = `// The gm built-in library.

${libraryDeclarations()}

${functionDeclarations()}

/** Multilayer perceptron: MLP(784 -> 400 -> 20, activation: relu). With time_embedding it is a time-conditioned denoiser called as net(x, t). */
builtin network MLP(layers, activation?, time_embedding?)
/** U-Net denoiser (Ho et al. 2020): residual blocks, group norm, sinusoidal time embedding, optional self-attention. Called as net(x, t). */
builtin network UNet(in, channels, mults?, time_embedding?, attention?, blocks?, dropout?, out?)

/** Linear schedule from start to end over the index range (Ho et al. 2020). */
builtin schedule linear(start, end)
/** Quadratic schedule: squares of a linear schedule from sqrt(start) to sqrt(end). */
builtin schedule quadratic(start, end)
/** Cosine schedule of Nichol and Dhariwal (2021): alphabar(t) = cos²((t/T + s)/(1 + s) · π/2), beta clipped at max. */
builtin schedule cosine(s?, max?)

/** Adam optimizer (Kingma and Ba 2014). */
builtin optimizer Adam(lr, beta1?, beta2?, epsilon?)
/** AdamW: Adam with decoupled weight decay. */
builtin optimizer AdamW(lr, beta1?, beta2?, epsilon?, weight_decay?)
/** Stochastic gradient descent with optional momentum. */
builtin optimizer SGD(lr, momentum?)
/** RMSProp optimizer. */
builtin optimizer RMSProp(lr, decay?, momentum?)

/** Image dataset: "mnist" (the standard 60 000/10 000 split, installed with gm), "mnist-small" (9 000/1 000, for quick runs), "fashion-mnist" (Debian's dataset-fashion-mnist) or the path of IDX files. */
builtin data images(name, split?, binarize?, range?, limit?, labels?)

/** Rectified linear unit. */
builtin symbol relu
/** Sigmoid linear unit (swish), x · sigmoid(x). */
builtin symbol silu
/** Gaussian error linear unit. */
builtin symbol gelu
/** Exponential linear unit. */
builtin symbol elu
/** Leaky rectified linear unit. */
builtin symbol leaky_relu
/** The training split of a dataset. */
builtin symbol train
/** The test split of a dataset. */
builtin symbol test
/** Binarize each pixel once, at threshold 0.5 (fixed binarization). */
builtin symbol fixed
/** Draw each pixel from a Bernoulli with the pixel's intensity, anew every epoch. */
builtin symbol stochastic
/** DDPM objective L_simple (Ho et al. eq. 14): unweighted ε-prediction error at a uniform t. */
builtin symbol simple
/** The full variational bound L_vlb = L_T + Σ L_{t−1} + L_0 (Ho et al. eq. 5). */
builtin symbol vlb
/** L_simple + λ L_vlb (Nichol and Dhariwal 2021). */
builtin symbol hybrid
/** Draw the t of L_vlb uniformly (the default). */
builtin symbol uniform
/** Draw the t of L_vlb with p_t ∝ sqrt(E[L_t²]) over the last 10 values per t (Nichol & Dhariwal 2021, §3.3). */
builtin symbol importance
/** Ancestral sampling through all T reverse steps. */
builtin symbol ancestral
/** DDIM sampling (Song et al. 2021) with fewer steps. */
builtin symbol ddim
/** Discrete latents: the bound sums over every value of the latent exactly (enumeration, as Pyro's TraceEnum_ELBO). */
builtin estimator enumerate
/** Discrete latents: the score-function (REINFORCE) gradient, centred by a learned baseline network called as b(x) (NVIL, Mnih and Gregor 2014). */
builtin estimator score(baseline?)
/** Discrete latents: the Gumbel-softmax / Concrete relaxation at a temperature (Jang et al. 2017; Maddison et al. 2017); not a bound. */
builtin estimator relaxed(temperature?)
`;
