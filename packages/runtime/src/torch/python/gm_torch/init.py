"""Named, seeded initial weights, as gm's ParameterStore (src/nets/parameters.ts).

A parameter's values are drawn from mulberry32 seeded by (network seed, parameter name) in gm's
layout (a dense kernel [in, out], a convolution kernel [k, k, in, out]); `to_torch` gives PyTorch's.
"""
import math

import numpy as np
import torch

from .rng import derive_seed, uniforms


def pytorch_default(fan_in):
    """U(−1/√fan_in, 1/√fan_in): PyTorch's default for Linear and Conv."""
    return ('uniform', 1 / math.sqrt(fan_in))


def variance_scaling_fan_avg(fan_in, fan_out, scale=1.0):
    """Ho et al. 2020's variance_scaling(scale, 'fan_avg', 'uniform')."""
    return ('uniform', math.sqrt((3 * scale) / ((fan_in + fan_out) / 2)))


ZEROS = ('zeros',)
ONES = ('ones',)


def to_torch(values):
    """gm's layout to PyTorch's: [in, out] → [out, in]; [k, k, in, out] → [out, in, k, k]."""
    if values.ndim == 2:
        return np.ascontiguousarray(values.T)
    if values.ndim == 4:
        return np.ascontiguousarray(values.transpose(3, 2, 0, 1))
    return values


def to_gm(values):
    """PyTorch's layout to gm's, the inverse of `to_torch`."""
    if values.ndim == 2:
        return np.ascontiguousarray(values.T)
    if values.ndim == 4:
        return np.ascontiguousarray(values.transpose(2, 3, 1, 0))
    return values


def gm_name(torch_name):
    """`decoder.dense0.weight` → `decoder/dense0/kernel` (`gamma`, `beta` for a norm's scale and shift)."""
    parts = torch_name.split('.')
    last = parts[-1]
    if last == 'weight':
        last = 'gamma' if parts[-2].startswith('norm') else 'kernel'
    elif last == 'bias' and parts[-2].startswith('norm'):
        last = 'beta'
    return '/'.join(parts[:-1] + [last])


class Store:
    """Creates parameters under a name prefix; the values depend only on the seed and the full name."""

    def __init__(self, seed, prefix):
        self.seed = seed
        self.prefix = prefix

    def create(self, name, shape, init):
        full = f'{self.prefix}/{name}'
        size = int(np.prod(shape)) if shape else 1
        if init[0] == 'ones':
            values = np.ones(size, dtype=np.float32)
        elif init[0] == 'zeros':
            values = np.zeros(size, dtype=np.float32)
        else:
            u = uniforms(derive_seed(self.seed, 0, full), size)
            values = ((2 * u - 1) * init[1]).astype(np.float32)
        return torch.nn.Parameter(torch.from_numpy(to_torch(values.reshape(shape))))

    def scope(self, name):
        return Store(self.seed, f'{self.prefix}/{name}')
