"""Helpers the generated programs call where one line of torch would not say it plainly."""
import math

import torch


def expand(x, rank):
    """A per-example value [B] (or [B, …] of lower rank) made to broadcast against one of `rank`."""
    if not torch.is_tensor(x) or x.dim() == 0 or x.dim() >= rank:
        return x
    return x.reshape(list(x.shape) + [1] * (rank - x.dim()))


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
