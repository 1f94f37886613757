/**
 * The built-in library: every name a model may use without declaring it. It is gm source, loaded
 * into every workspace as `builtin:///library.gm`, so that hover, completion and go-to-definition
 * treat `Normal` or `relu` like any other declaration.
 */
export const LIBRARY_URI = 'builtin:///library.gm';

export const LIBRARY_SOURCE = `// The gm built-in library.

/** Normal (Gaussian) distribution with diagonal covariance. Give the mean and one of std, var or logvar. */
builtin distribution Normal(mean, std?, var?, logvar?)
/** Bernoulli distribution on {0, 1}. Give probs (in [0, 1]) or logits. */
builtin distribution Bernoulli(probs?, logits?)
/** Categorical distribution over the last axis. Give logits or probs. */
builtin distribution Categorical(logits?, probs?)
/** Laplace distribution with location (mean) and scale. */
builtin distribution Laplace(mean, scale)

/** Square root. */
builtin function sqrt(x)
/** Exponential. */
builtin function exp(x)
/** Natural logarithm. */
builtin function log(x)
/** Logistic sigmoid, 1 / (1 + exp(-x)). */
builtin function sigmoid(x)
/** Softplus, log(1 + exp(x)): a smooth map to positive numbers. */
builtin function softplus(x)
/** Hyperbolic tangent. */
builtin function tanh(x)
/** Product over an index range: prod(alpha[1..t]). */
builtin function prod(x)
/** Sum over an index range: sum(beta[1..t]). */
builtin function sum(x)
/** Smaller of two values. */
builtin function min(a, b)
/** Larger of two values. */
builtin function max(a, b)

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

/** Image dataset: "mnist" (installed with gm), "fashion-mnist" (Debian's dataset-fashion-mnist) or the path of IDX files. */
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
/** Ancestral sampling through all T reverse steps. */
builtin symbol ancestral
/** DDIM sampling (Song et al. 2021) with fewer steps. */
builtin symbol ddim
/** Score-function (REINFORCE) gradient estimator for discrete latents. */
builtin symbol score_function
/** Gumbel-softmax (concrete) relaxation for discrete latents. */
builtin symbol gumbel_softmax
`;
