"""Hand-written PyTorch training steps of examples/vae.gm and examples/ddpm.gm's U-Net, as one would write
them without gm (pytorch/examples' VAE; Ho et al. 2020's U-Net with nn.Conv2d, nn.GroupNorm, nn.Linear):
the baselines that bench/torch-step.mjs times the generated package against. Same networks (the bench
checks the parameter counts), same loss, optimizer, clipping and EMA as the models declare."""
import math

import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    """Kingma & Welling's MLP VAE: 784-400-(2·20) encoder, 20-400-784 Bernoulli decoder."""

    def __init__(self):
        super().__init__()
        self.enc1, self.enc2 = nn.Linear(784, 400), nn.Linear(400, 40)
        self.dec1, self.dec2 = nn.Linear(20, 400), nn.Linear(400, 784)

    def loss(self, x):
        h = self.enc2(F.relu(self.enc1(x)))
        mu, logvar = h[:, :20], h[:, 20:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.dec2(F.relu(self.dec1(z)))
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction='none').sum(1)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
        return (bce + kld).mean()


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / (half - 1))
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


def groups(ch):
    return next((g for g in range(min(32, ch // 4), 1, -1) if ch % g == 0), 1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups(cin), cin, eps=1e-6), nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(groups(cout), cout, eps=1e-6), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(temb))[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class Attention(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.norm = nn.GroupNorm(groups(ch), ch, eps=1e-6)
        self.q, self.k, self.v, self.out = (nn.Linear(ch, ch) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        f = self.norm(x).flatten(2).transpose(1, 2)
        a = torch.softmax(torch.bmm(self.q(f), self.k(f).transpose(1, 2)) / math.sqrt(c), dim=-1)
        return x + self.out(torch.bmm(a, self.v(f))).transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    """Ho et al.'s U-Net: ch 64, mults 1-2-2, 2 blocks a level, attention at 7×7, time embedding 256."""

    def __init__(self, ch=64, mults=(1, 2, 2), temb=256, blocks=2, attn_res=(7,), size=28):
        super().__init__()
        self.ch = ch
        self.temb = nn.Sequential(nn.Linear(ch, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(1, ch, 3, padding=1)
        self.down, skips, cur = nn.ModuleList(), [ch], ch
        for level, m in enumerate(mults):
            for _ in range(blocks):
                self.down.append(nn.ModuleList([ResBlock(cur, ch * m, temb), Attention(ch * m) if size // 2 ** level in attn_res else nn.Identity()]))
                cur = ch * m
                skips.append(cur)
            if level + 1 < len(mults):
                self.down.append(nn.Conv2d(cur, cur, 3, stride=2, padding=1))
                skips.append(cur)
        self.mid1, self.mid_attn, self.mid2 = ResBlock(cur, cur, temb), Attention(cur), ResBlock(cur, cur, temb)
        self.up = nn.ModuleList()
        for level in reversed(range(len(mults))):
            for _ in range(blocks + 1):
                self.up.append(nn.ModuleList([ResBlock(cur + skips.pop(), ch * mults[level], temb), Attention(ch * mults[level]) if size // 2 ** level in attn_res else nn.Identity()]))
                cur = ch * mults[level]
            if level > 0:
                self.up.append(nn.Conv2d(cur, cur, 3, padding=1))
        self.norm_out, self.conv_out = nn.GroupNorm(groups(cur), cur, eps=1e-6), nn.Conv2d(cur, 1, 3, padding=1)

    def forward(self, x, t):
        temb = self.temb(timestep_embedding(t, self.ch))
        h = self.conv_in(x)
        hs = [h]
        for layer in self.down:
            h = layer[1](layer[0](h, temb)) if isinstance(layer, nn.ModuleList) else layer(h)
            hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb)), temb)
        for layer in self.up:
            if isinstance(layer, nn.ModuleList):
                h = layer[1](layer[0](torch.cat([h, hs.pop()], dim=1), temb))
            else:
                h = layer(F.interpolate(h, scale_factor=2, mode='nearest'))
        return self.conv_out(F.silu(self.norm_out(h)))


class DDPM(nn.Module):
    """L_simple of Ho et al. (eq. 14) with their linear schedule, T = 1000."""

    def __init__(self):
        super().__init__()
        self.net = UNet()
        self.register_buffer('alphabar', torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0))

    def loss(self, x0):
        t = torch.randint(0, 1000, (x0.shape[0],), device=x0.device)
        eps = torch.randn_like(x0)
        ab = self.alphabar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        return (eps - self.net(xt, t + 1)).square().mean(dim=(1, 2, 3)).mean()


class Step:
    """One training step as the model declares it: Adam, optional clipping, linear LR warm-up, EMA."""

    def __init__(self, model, lr, clip=None, ema=None, warmup=None):
        self.model, self.lr, self.clip, self.warmup = model, lr, clip, warmup
        self.params = list(model.parameters())
        self.opt = torch.optim.Adam(self.params, lr=lr)
        self.ema = [p.detach().clone() for p in self.params] if ema else None
        self.decay = ema
        self.step_count = 0

    def __call__(self, x):
        loss = self.model.loss(x)
        if not math.isfinite(loss.item()):
            raise FloatingPointError('non-finite loss')
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        if self.warmup:
            for g in self.opt.param_groups:
                g['lr'] = self.lr * min(1.0, (self.step_count + 1) / self.warmup)
        self.opt.step()
        self.step_count += 1
        if self.ema:
            with torch.no_grad():
                for s, p in zip(self.ema, self.params):
                    s.mul_(self.decay).add_(p, alpha=1 - self.decay)
        return loss.item()


def hand_written(name):
    if name == 'vae':
        return Step(VAE(), 1e-3)
    return Step(DDPM(), 2e-4, clip=1.0, ema=0.9999, warmup=5000)
