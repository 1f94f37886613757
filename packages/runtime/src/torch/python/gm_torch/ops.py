"""Helpers the generated programs call where one line of torch would not say it plainly."""
import math

import torch


def expand(x, rank):
    """A per-example value [B] (or [B, …] of lower rank) made to broadcast against one of `rank`."""
    if not torch.is_tensor(x) or x.dim() == 0 or x.dim() >= rank:
        return x
    return x.reshape(list(x.shape) + [1] * (rank - x.dim()))


def repeat_rows(x, times):
    """A value of N rows met by one of the E·N rows of enumerated latents: repeated E times (row i stands for rows i, N + i, …)."""
    return x.repeat(times, *([1] * (x.dim() - 1)))


def one_hot_max(x):
    """1 at the largest value of the last axis (the first, on ties, as tf.argMax), 0 elsewhere; a draw: no gradient."""
    return torch.nn.functional.one_hot(x.argmax(dim=-1), x.shape[-1]).to(x.dtype).detach()


def features(parts, n):
    """Each value flattened to [rows, size] (a number to one column of n rows) and joined along the feature axis."""
    rows = next((p.shape[0] for p in parts if torch.is_tensor(p) and p.dim() > 0), n)
    ref = next((p for p in parts if torch.is_tensor(p)), None)
    device = ref.device if ref is not None else None
    flat = [p.reshape(rows, -1) if torch.is_tensor(p) and p.dim() > 0 else torch.full([rows, 1], float(p), device=device) for p in parts]
    return torch.cat(flat, dim=-1)


def where(cond, a, b):
    """a where cond ≠ 0, else b (elementwise, broadcasting; a, b may be numbers)."""
    ref = next(v for v in (cond, a, b) if torch.is_tensor(v))
    as_tensor = lambda v: v if torch.is_tensor(v) else torch.tensor(v, dtype=torch.float32, device=ref.device)
    cond, a, b = as_tensor(cond), as_tensor(a), as_tensor(b)
    return torch.where(cond != 0, a, b)


def normal_cdf(z):
    """Φ(z), the standard normal CDF."""
    return 0.5 * (1 + torch.erf(z / math.sqrt(2)))


def discretized_normal(x, mean, variance, low, high, bins):
    """Σ_i log P(x_i) under Ho et al.'s discretized Gaussian decoder (eq. 13), as their code computes it."""
    half = (high - low) / (bins - 1) / 2
    variance = variance if torch.is_tensor(variance) else torch.tensor(variance, device=x.device)
    sd = torch.sqrt(expand(variance, x.dim()))
    centered = x - expand(mean, x.dim())
    upper = (centered + half) / sd
    lower = (centered - half) / sd
    floor = lambda p: torch.log(torch.clamp(p, min=1e-12))
    between = torch.where(lower > 0, normal_cdf(-lower) - normal_cdf(-upper), normal_cdf(upper) - normal_cdf(lower))
    log_p = torch.where(x <= low + half, floor(normal_cdf(upper)), torch.where(x >= high - half, floor(normal_cdf(-lower)), floor(between)))
    return log_p if x.dim() == 1 else log_p.sum(dim=tuple(range(1, x.dim())))
