"""The networks a model declares, as nn.Modules with gm's parameter names and initialization.

`MLP` is src/nets/mlp.ts and `UNet` is src/nets/unet.ts (Ho et al. 2020, appendix B), written the
PyTorch way (NCHW, F.conv2d with stride 2 for the downsampling, nearest-neighbour upsampling). The
module path of a parameter is its gm name: `decoder/dense0/kernel` is `decoder.dense0.weight`.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .init import ONES, ZEROS, Store, pytorch_default, variance_scaling_fan_avg
from .rng import derive_seed

NEARLY_ZERO = 1e-10


def activation(name):
    """The activations a model can name, as in PyTorch (leaky_relu slope 0.01, exact GELU)."""
    return {
        'relu': torch.relu,
        'tanh': torch.tanh,
        'sigmoid': torch.sigmoid,
        'softplus': F.softplus,
        'silu': silu,
        'gelu': lambda x: x * 0.5 * (1 + torch.erf(x * math.sqrt(0.5))),
        'elu': F.elu,
        'leaky_relu': lambda x: F.leaky_relu(x, 0.01),
    }[name]


def silu(x):
    """SiLU (swish): x · σ(x), the nonlinearity of Ho et al. 2020."""
    return x * torch.sigmoid(x)


def timestep_embedding(t, dim):
    """Vaswani et al.'s sinusoidal embedding as Ho et al.'s get_timestep_embedding: [sin(t f_k), cos(t f_k)]."""
    half = dim // 2
    freqs = np.exp(-math.log(10000) * np.arange(half) / (half - 1)).astype(np.float32)
    args = t.float().reshape(-1, 1) * torch.from_numpy(freqs).to(t.device).reshape(1, half)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class Container(nn.Module):
    """A level of parameter names (`time/…`, `down0/…`)."""


class Dense(nn.Module):
    """y = x W + b; gm's kernel [in, out] is PyTorch's weight [out, in]."""

    def __init__(self, store, name, fan_in, fan_out, init=None):
        super().__init__()
        kernel, bias = init or (pytorch_default(fan_in), pytorch_default(fan_in))
        self.weight = store.create(f'{name}/kernel', [fan_in, fan_out], kernel)
        self.bias = store.create(f'{name}/bias', [fan_out], bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Conv(nn.Module):
    """A k×k convolution with 'same' padding (stride 2: Conv2d(stride=2, padding=1))."""

    def __init__(self, store, name, in_ch, out_ch, k, init=None, stride=1):
        super().__init__()
        fan_in = in_ch * k * k
        kernel, bias = init or (pytorch_default(fan_in), pytorch_default(fan_in))
        self.weight = store.create(f'{name}/kernel', [k, k, in_ch, out_ch], kernel)
        self.bias = store.create(f'{name}/bias', [out_ch], bias)
        self.stride = stride
        self.padding = k // 2

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


def group_count(channels, most=32, min_per_group=4):
    """32 groups as in Ho et al. when there are enough channels, a divisor, at least 4 channels per group."""
    for g in range(min(most, channels // min_per_group), 1, -1):
        if channels % g == 0:
            return g
    return 1


class GroupNorm(nn.Module):
    """Group normalization (Wu & He 2018) with gm's group count and ε = 1e-6."""

    def __init__(self, store, name, channels):
        super().__init__()
        self.groups = group_count(channels)
        self.weight = store.create(f'{name}/gamma', [channels], ONES)
        self.bias = store.create(f'{name}/beta', [channels], ZEROS)

    def forward(self, x):
        return F.group_norm(x, self.groups, self.weight, self.bias, 1e-6)


class MLP(nn.Module):
    """Dense layers with the activation between them; with `time_embedding`, the time-conditioned denoiser."""

    def __init__(self, name, seed, layers, activation, time_embedding=None):
        super().__init__()
        store = Store(derive_seed(seed, 0, f'init/{name}'), name)
        self.sizes = list(layers)
        self.act = globals()['activation'](activation)
        self.depth = len(layers) - 1
        for i in range(self.depth):
            setattr(self, f'dense{i}', Dense(store, f'dense{i}', layers[i], layers[i + 1]))
        self.embedding = time_embedding
        self.time_conditioned = time_embedding is not None
        self.gated = False
        if time_embedding is not None:
            self.time = Container()
            self.time.dense = Dense(store, 'time/dense', time_embedding, time_embedding)
            for i in range(1, self.depth):
                setattr(self.time, f'proj{i}', Dense(store, f'time/proj{i}', time_embedding, layers[i]))
            # A denoiser that also outputs v (learned variance, output 2× input) gets the skip path on its first half, ε.
            if layers[-1] == layers[0] or layers[-1] == 2 * layers[0]:
                self.gated = True
                self.time.skip = Dense(store, 'time/skip', time_embedding, layers[0], (ZEROS, ZEROS))

    def forward(self, x, t=None):
        flat = x if x.dim() == 2 else x.reshape(x.shape[0], -1)
        temb = None
        if self.embedding is not None:
            temb = self.act(self.time.dense(timestep_embedding(t, self.embedding)))
        h = flat
        for i in range(self.depth):
            h = getattr(self, f'dense{i}')(h)
            if i + 1 < self.depth:
                if temb is not None:
                    h = h + getattr(self.time, f'proj{i + 1}')(temb)
                h = self.act(h)
        if self.gated:
            skip = self.time.skip(temb) * flat
            h = h + skip if h.shape[1] == self.sizes[0] else torch.cat([h[:, :self.sizes[0]] + skip, h[:, self.sizes[0]:]], dim=1)
        if x.dim() > 2 and h.shape[1] == self.sizes[0]:
            h = h.reshape(x.shape)
        return h


def conv_init(in_ch, out_ch, k, scale=1.0):
    return (variance_scaling_fan_avg(in_ch * k * k, out_ch * k * k, scale), ZEROS)


def dense_init(fan_in, fan_out, scale=1.0):
    return (variance_scaling_fan_avg(fan_in, fan_out, scale), ZEROS)


class ResBlock(nn.Module):
    """GroupNorm, SiLU, conv; + the time embedding; GroupNorm, SiLU, dropout, conv (≈ 0 at init); + the skip."""

    def __init__(self, store, in_ch, out_ch, temb_size, dropout):
        super().__init__()
        self.norm1 = GroupNorm(store, 'norm1', in_ch)
        self.conv1 = Conv(store, 'conv1', in_ch, out_ch, 3, conv_init(in_ch, out_ch, 3))
        self.temb = Dense(store, 'temb', temb_size, out_ch, dense_init(temb_size, out_ch))
        self.norm2 = GroupNorm(store, 'norm2', out_ch)
        self.conv2 = Conv(store, 'conv2', out_ch, out_ch, 3, conv_init(out_ch, out_ch, 3, NEARLY_ZERO))
        self.skip = Conv(store, 'skip', in_ch, out_ch, 1, conv_init(in_ch, out_ch, 1)) if in_ch != out_ch else None
        self.dropout = dropout
        self.attn = None

    def forward(self, x, temb):
        h = self.conv1(silu(self.norm1(x)))
        h = h + self.temb(silu(temb))[:, :, None, None]
        h = silu(self.norm2(h))
        if self.dropout > 0:
            h = F.dropout(h, self.dropout, training=self.training)
        h = self.conv2(h)
        out = (self.skip(x) if self.skip is not None else x) + h
        return self.attn(out) if self.attn is not None else out


class Attention(nn.Module):
    """Single-head self-attention over all positions (Ho et al.'s attn_block)."""

    def __init__(self, store, ch):
        super().__init__()
        self.norm = GroupNorm(store, 'norm', ch)
        self.q = Dense(store, 'q', ch, ch, dense_init(ch, ch))
        self.k = Dense(store, 'k', ch, ch, dense_init(ch, ch))
        self.v = Dense(store, 'v', ch, ch, dense_init(ch, ch))
        self.out = Dense(store, 'out', ch, ch, dense_init(ch, ch, NEARLY_ZERO))

    def forward(self, x):
        b, c, h, w = x.shape
        flat = self.norm(x).permute(0, 2, 3, 1).reshape(b, h * w, c)
        scores = torch.bmm(self.q(flat), self.k(flat).transpose(1, 2)) / math.sqrt(c)
        attended = torch.bmm(torch.softmax(scores, dim=-1), self.v(flat))
        return x + self.out(attended).reshape(b, h, w, c).permute(0, 3, 1, 2)


class UNet(nn.Module):
    """Ho et al. 2020's U-Net; inputs [B, C, H, W]; `image_size` places the attention blocks."""

    time_conditioned = True

    def __init__(self, name, seed, in_channels, out_channels, channels, mults, time_embedding, attention, blocks, dropout, image_size=None):
        super().__init__()
        store = Store(derive_seed(seed, 0, f'init/{name}'), name)
        ch = channels
        self.channels = ch
        self.temb = Container()
        self.temb.dense0 = Dense(store, 'temb/dense0', ch, time_embedding, dense_init(ch, time_embedding))
        self.temb.dense1 = Dense(store, 'temb/dense1', time_embedding, time_embedding, dense_init(time_embedding, time_embedding))
        self.conv_in = Conv(store, 'conv_in', in_channels, ch, 3, conv_init(in_channels, ch, 3))
        resolution = (lambda level: image_size[0] / 2 ** level) if image_size else (lambda level: 0)
        self.down = []
        self.up = []
        skips = [ch]
        current = ch
        levels = len(mults)
        for level in range(levels):
            out_ch = ch * mults[level]
            container = Container()
            setattr(self, f'down{level}', container)
            for i in range(blocks):
                block = ResBlock(store.scope(f'down{level}/block{i}'), current, out_ch, time_embedding, dropout)
                if resolution(level) in attention:
                    block.attn = Attention(store.scope(f'down{level}/block{i}/attn'), out_ch)
                setattr(container, f'block{i}', block)
                self.down.append(('res', block))
                current = out_ch
                skips.append(current)
            if level + 1 < levels:
                container.downsample = Conv(store, f'down{level}/downsample', current, current, 3, conv_init(current, current, 3), stride=2)
                self.down.append(('down', container.downsample))
                skips.append(current)
        self.mid = Container()
        self.mid.block1 = ResBlock(store.scope('mid/block1'), current, current, time_embedding, dropout)
        self.mid.attn = Attention(store.scope('mid/attn'), current)
        self.mid.block2 = ResBlock(store.scope('mid/block2'), current, current, time_embedding, dropout)
        for level in range(levels - 1, -1, -1):
            out_ch = ch * mults[level]
            container = Container()
            setattr(self, f'up{level}', container)
            for i in range(blocks + 1):
                block = ResBlock(store.scope(f'up{level}/block{i}'), current + skips.pop(), out_ch, time_embedding, dropout)
                if resolution(level) in attention:
                    block.attn = Attention(store.scope(f'up{level}/block{i}/attn'), out_ch)
                setattr(container, f'block{i}', block)
                self.up.append(('res', block))
                current = out_ch
            if level > 0:
                container.upsample = Conv(store, f'up{level}/upsample', current, current, 3, conv_init(current, current, 3))
                self.up.append(('up', container.upsample))
        self.norm_out = GroupNorm(store, 'norm_out', current)
        self.conv_out = Conv(store, 'conv_out', current, out_channels, 3, conv_init(current, out_channels, 3, NEARLY_ZERO))

    def forward(self, x, t):
        temb = self.temb.dense1(silu(self.temb.dense0(timestep_embedding(t, self.channels))))
        h = self.conv_in(x)
        skips = [h]
        for kind, layer in self.down:
            h = layer(h, temb) if kind == 'res' else layer(h)
            skips.append(h)
        h = self.mid.block2(self.mid.attn(self.mid.block1(h, temb)), temb)
        for kind, layer in self.up:
            if kind == 'res':
                h = layer(torch.cat([h, skips.pop()], dim=1), temb)
            else:
                h = layer(F.interpolate(h, scale_factor=2, mode='nearest'))
        return self.conv_out(silu(self.norm_out(h)))
