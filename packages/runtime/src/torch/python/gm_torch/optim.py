"""The model's optimizer as gm's runtime defines it (src/optim/create.ts), with PyTorch's classes."""
import torch


def option(options, keys, fallback):
    for k in keys:
        if k in options:
            return options[k]
    return fallback


def create(train, params, features):
    """The optimizer the `train` block names, with PyTorch's defaults for options it leaves out."""
    name, options, lr = train['optimizer']['name'], train['optimizer']['options'], train['optimizer']['lr']
    if name in ('Adam', 'AdamW'):
        kwargs = dict(
            lr=lr,
            betas=(option(options, ['beta1', 'b1'], 0.9), option(options, ['beta2', 'b2'], 0.999)),
            eps=option(options, ['eps', 'epsilon'], 1e-8),
            weight_decay=option(options, ['weight_decay', 'weightDecay', 'wd'], 0.01 if name == 'AdamW' else 0),
        )
        if features.fused_adam:
            kwargs['fused'] = True
        return (torch.optim.AdamW if name == 'AdamW' else torch.optim.Adam)(params, **kwargs)
    if name == 'SGD':
        return torch.optim.SGD(params, lr=lr, momentum=option(options, ['momentum'], 0))
    if name == 'RMSProp':
        return torch.optim.RMSprop(params, lr=lr, alpha=option(options, ['alpha', 'rho', 'decay'], 0.99), eps=option(options, ['eps', 'epsilon'], 1e-8))
    raise ValueError(f'unknown optimizer {name}')


def learning_rate(train, step):
    """A linear warm-up over `lrWarmup` steps (Goyal et al. 2017), then constant."""
    base = train['optimizer']['lr']
    warmup = train.get('lrWarmup')
    if not warmup or warmup <= 0:
        return base
    return base * min(1.0, (step + 1) / warmup)


class Ema:
    """θ̄ ← d θ̄ + (1 − d) θ after every step (Polyak averaging; Ho et al. sample with d = 0.9999)."""

    def __init__(self, params, decay):
        self.params = list(params)
        self.decay = decay
        self.shadows = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self):
        for s, p in zip(self.shadows, self.params):
            s.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)

    @torch.no_grad()
    def swap(self):
        """Exchanges the averaged and the trained weights (call again to put them back)."""
        for s, p in zip(self.shadows, self.params):
            t = p.detach().clone()
            p.copy_(s)
            s.copy_(t)
