"""Sampling, as src/sample/ does it: ancestral sampling of p for latent-variable models, and the
reverse chain for diffusion models, ancestral (Ho et al. 2020, Algorithm 2) or DDIM (Song et al.
2021, eq. 12), both from the model's own reverse factor: its generated program gives μ_θ(x_t, t) and
σ_t², and x̂_0 is recovered from μ_θ by inverting the derived posterior mean μ̃_t = a_t x_0 + b_t x_t.
"""
import math

import torch

from .data import label_array
from .program import Context
from .rng import derive_seed


def sampling_timesteps(lower, upper, sampler, steps=50):
    """All of upper..lower+1, or `steps` of them evenly spaced for DDIM."""
    count = upper - lower
    if sampler == 'ancestral' or steps >= count:
        return [upper - i for i in range(count)]
    ts = {lower + 1 + _round(i * (count - 1) / max(1, steps - 1)) for i in range(steps)}
    return sorted(ts, reverse=True)


def _round(x):
    """JavaScript's Math.round (halves up)."""
    return math.floor(x + 0.5)


@torch.no_grad()
def latent_samples(model, nets, n, seed, device='cpu', overrides=None, inputs=None):
    """The observed variable's mean under p, the latents drawn from their priors; `inputs` are a conditional model's classes
    (by default the n samples spread over one row per class, as `gm sample` draws them: Sohn et al. 2015, Figure 3)."""
    labels = model.CONFIG.get('labels') or []
    if inputs is None and labels:
        per_class = -(-n // labels[0]['classes'])
        classes = [i // per_class for i in range(labels[0]['classes'] * per_class)]
        inputs = {v['name']: torch.from_numpy(label_array(classes, v)).to(device) for v in labels}
        n = len(classes)
    ctx = Context(nets, inputs or {}, 0, seed, batch=n, device=device, overrides=overrides)
    return model.prior.run(ctx)[model.CONFIG['observed']['name']]


def learned_log_variance(chain, t):
    """(c, d) with log σ_t² = c + d · out for a learned Σ_θ in Nichol & Dhariwal's form (eq. 15), else None."""
    k = chain['coefficients']
    if chain.get('varianceForm') != 'interpolation' or not k.get('reverseLogVarConst') or not k.get('reverseLogVarNet'):
        return None
    i = t - chain['lower']
    d = k['reverseLogVarNet'][i]
    return (k['reverseLogVarConst'][i], d) if d != 0 else None


@torch.no_grad()
def chain_samples(model, nets, n, seed, sampler='ancestral', steps=None, eta=0.0, clip=None, device='cpu', noise=None):
    """Runs the reverse chain from x_T ~ p(x_T); `noise(t, shape)` may replace the seeded z of step t."""
    chain = model.CONFIG['chain']
    c = chain['coefficients']
    lower, upper = chain['lower'], chain['upper']
    at = lambda table, t: table[t - lower]
    shape = [n, *chain['shape']]
    prior = Context(nets, {}, upper + 1, seed, batch=n, device=device, overrides=(noise('prior', shape) if noise else None))
    x = model.prior_draw.run(prior)['x'].reshape(shape)
    state_key = f"{chain['name']}[{chain['index']}]"
    timesteps = sampling_timesteps(lower, upper, sampler, steps or 50)
    for k, t in enumerate(timesteps):
        prev = timesteps[k + 1] if k + 1 < len(timesteps) else lower
        ctx = Context(nets, {state_key: x, chain['index']: torch.full([n], float(t), device=device)}, t, seed, device=device)
        out = model.reverse.run(ctx)
        a, b = at(c['posteriorMeanX0'], t), at(c['posteriorMeanXt'], t)
        x0 = (out['mean'] - b * x) / a
        if clip:
            x0 = torch.clamp(x0, clip[0], clip[1])
        if noise:
            z = noise(t, shape).to(device)
        else:
            g = torch.Generator(device=device)
            g.manual_seed(derive_seed(seed, t, 'sample/z'))
            z = torch.randn(shape, generator=g, device=device)
        if sampler == 'ancestral':
            mean = a * x0 + b * x if clip else out['mean']
            variance = out['variance']
            if torch.is_tensor(variance) and variance.dim() == 1:
                variance = variance.reshape([n] + [1] * len(chain['shape']))
            variance = variance if torch.is_tensor(variance) else torch.tensor(variance, device=device)
            x = mean if prev == lower else mean + torch.sqrt(variance) * z
            continue
        mt, st = at(c['marginalMean'], t), at(c['marginalVar'], t)
        mp, sp = at(c['marginalMean'], prev), at(c['marginalVar'], prev)
        eps_hat = (x - mt * x0) / math.sqrt(st)
        lv = learned_log_variance(chain, t)
        if lv and eta > 0 and sp > 0:
            # A learned Σ_θ (Nichol & Dhariwal eq. 15): its v at t, read back from the model's σ_t², interpolates the
            # same way between the strided β_S = 1 − ᾱ_t/ᾱ_prev and β̃_S = (1 − ᾱ_prev)/(1 − ᾱ_t) β_S (their §4); σ² = η² Σ_S.
            variance = out['variance']
            if variance.dim() == 1:
                variance = variance.reshape([n] + [1] * len(chain['shape']))
            v = ((torch.log(variance) - lv[0]) / lv[1] + 1) / 2
            beta = 1 - (mt / mp) ** 2
            beta_tilde = (sp / st) * beta
            sigma2 = eta * eta * torch.exp(v * math.log(beta) + (1 - v) * math.log(beta_tilde))
            keep = torch.sqrt(torch.clamp(sp - sigma2, min=0))
            x = mp * x0 + keep * eps_hat + torch.sqrt(sigma2) * z
            continue
        sigma2 = eta * eta * (sp / st) * max(0.0, st - (mt / mp) ** 2 * sp)
        x = mp * x0 + math.sqrt(max(0.0, sp - sigma2)) * eps_hat
        if sigma2 > 0:
            x = x + math.sqrt(sigma2) * z
    return x


@torch.no_grad()
def reconstructions(model, nets, x, device='cpu', given=None):
    """Inputs and their reconstructions (x → the mean of q → the mean of p), alternating rows of 8; `given`: their labels."""
    name = model.CONFIG['observed']['name']
    ctx = Context(nets, {name: x, **(given or {})}, 0, 1, device=device)
    y = model.reconstruct.run(ctx)[name]
    n = x.shape[0]
    rows = []
    for r in range(0, n, 8):
        rows += [x.reshape(n, -1)[r:r + 8], y.reshape(n, -1)[r:r + 8]]
    return torch.cat(rows, dim=0).reshape(-1, *x.shape[1:])


def samples(model, nets, n, seed, device='cpu', **chain_options):
    """Samples of either kind of model, [n, …shape]."""
    if model.CONFIG['chain']:
        return chain_samples(model, nets, n, seed, device=device, **chain_options)
    return latent_samples(model, nets, n, seed, device=device)
