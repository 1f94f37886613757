"""What a generated program runs against: `Context` gives it data, noise, coefficient tables and networks.

Noise of step s is drawn for the global batch from a generator seeded by (seed, s, stream) and each
process keeps its own rows: under torchrun every rank has its own noise, and the run computes what one
process would with the whole batch. Timesteps come from gm's own generator (mulberry32), so they are
the TensorFlow.js runtime's. A test can put in any draw by `overrides` (keys 'normal:STREAM' …).
"""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import torch

from .rng import derive_seed, integers, uniforms
from . import ops


class Values(SimpleNamespace):
    """The shared values of a program, `s.v12` …"""


@dataclass
class Term:
    id: str
    fn: object
    sign: int
    in_bound: bool
    weight: float
    warmup: object = None

    def weight_at(self, step):
        """w(step) = weight · min(1, step / warmup) (KL warm-up)."""
        if not self.warmup:
            return self.weight
        return self.weight * min(1.0, step / self.warmup)


@dataclass
class Proposal:
    """An importance-sampled t: p_t ∝ sqrt(E[L_t²]) over the last `history` values of L_t per t, mixed with
    `uniform_floor` of the uniform distribution; uniform until every t has `history` values
    (Nichol & Dhariwal 2021, §3.3; src/session/importance-timesteps.ts). `t`, `value`: the shared values to record."""
    name: str
    low: int
    high: int
    history: int
    uniform_floor: float
    t: str
    value: str


class ImportanceTimesteps:
    """The last values of L_t for each t of one proposal, and the p_t they give."""

    def __init__(self, proposal):
        self.proposal = proposal
        self.values = [[] for _ in range(proposal.high - proposal.low + 1)]

    def probabilities(self):
        """p_t for t = low..high (float64, as TensorFlow.js's), or None while some t has fewer than `history` values."""
        p = self.proposal
        if any(len(h) < p.history for h in self.values):
            return None
        weights = np.array([np.sqrt(sum(v * v for v in h) / len(h)) for h in self.values], dtype=np.float64)
        total = float(sum(weights))
        if not (total > 0) or not np.isfinite(total):
            return None
        return weights / total * (1 - p.uniform_floor) + p.uniform_floor / len(weights)

    def update(self, ts, values):
        """Records L_t at each drawn t, keeping the last `history` values per t."""
        for t, v in zip(ts, values):
            h = self.values[int(round(t)) - self.proposal.low]
            h.append(float(v))
            if len(h) > self.proposal.history:
                h.pop(0)

    def state(self):
        return {'history': [list(h) for h in self.values]}

    def load(self, state):
        if len(state['history']) != len(self.values):
            raise ValueError(f"the checkpoint's importance-sampling history has {len(state['history'])} timesteps, the model {len(self.values)}")
        self.values = [list(h) for h in state['history']]


class Context:
    def __init__(self, nets, inputs, step, seed, *, replicas=1, batch=None, device='cpu', rank=0, world=1, overrides=None, proposals=None):
        self.nets = nets
        self.inputs = inputs
        self.step = step
        self.seed = seed
        self.replicas = replicas
        first = next(iter(inputs.values()), None)
        self.batch = first.shape[0] if first is not None else batch
        if self.batch is None:
            raise ValueError('no batch: the program reads no data and no batch size was given')
        self.n = self.batch * replicas
        self.device = torch.device(device)
        self.rank = rank
        self.world = world
        self.overrides = overrides or {}
        # p_t of importance-sampled draws of t by proposal name (indexed by t − low); absent: uniform, as before any history.
        self.proposals = proposals or {}
        self._tables = {}

    def _rows(self, draw):
        """This rank's rows of a draw for the global batch [R · world · B, …]."""
        if self.world == 1:
            return draw
        shape = draw.shape[1:]
        whole = draw.reshape(self.replicas, self.world * self.batch, *shape)
        return whole[:, self.rank * self.batch:(self.rank + 1) * self.batch].reshape(self.n, *shape)

    def _generator(self, stream):
        g = torch.Generator(device=self.device)
        g.manual_seed(derive_seed(self.seed, self.step, stream))
        return g

    def data(self, name):
        x = self.inputs[name]
        if x.shape[0] != self.batch:
            raise ValueError('the batches of the observed variables differ in size')
        return x if self.replicas == 1 else x.repeat(self.replicas, *([1] * (x.dim() - 1)))

    def timestep(self, low, high, stream, proposal=None):
        key = f'timestep:{stream}'
        if key in self.overrides:
            return self.overrides[key].to(self.device)
        seed = derive_seed(self.seed, self.step, stream)
        p = self.proposals.get(proposal) if proposal else None
        if p is None:
            t = low + integers(seed, self.n * self.world, high - low + 1)
        else:
            # The k with Σ_{j<k} p_j ≤ u < Σ_{j≤k} p_j, summed in float64 as TensorFlow.js's drawIndex does.
            cumulative = np.cumsum(np.asarray(p, dtype=np.float64))
            t = low + np.minimum(np.searchsorted(cumulative, uniforms(seed, self.n * self.world), side='right'), len(cumulative) - 1)
        return self._rows(torch.from_numpy(t.astype(np.float32)).to(self.device))

    def timestep_probability(self, proposal, low, high, index):
        """p_t of the per-example t under the proposal: 1/(high − low + 1) while it has none."""
        p = self.proposals.get(proposal)
        table = torch.full([high - low + 1], 1 / (high - low + 1), dtype=torch.float32) if p is None else torch.tensor(np.asarray(p, dtype=np.float32))
        return table.to(self.device)[(torch.round(index) - low).long()]

    def enumerate(self, table, shape, every, combinations):
        """Every value of an enumerated latent, [E·N, …shape]: block e holds table[⌊e / every⌋ mod len(table)]."""
        blocks = torch.tensor([table[(e // every) % len(table)] for e in range(combinations)], dtype=torch.float32, device=self.device)
        return blocks.repeat_interleave(self.n, dim=0).reshape(combinations * self.n, *shape)

    def sum_enumerated(self, x, combinations):
        """Σ over the E blocks of an enumerated per-example value: [E·N] → [N]."""
        return x.reshape(combinations, self.n).sum(dim=0)

    def concat(self, *parts):
        """Each part's values of an example, flattened, one after the other: [B, Σ sizes]."""
        return ops.features(parts, self.n)

    def normal(self, stream, shape):
        key = f'normal:{stream}'
        if key in self.overrides:
            return self.overrides[key].to(self.device)
        g = self._generator(stream)
        return self._rows(torch.randn([self.n * self.world, *shape], generator=g, device=self.device))

    def uniform(self, stream, shape, low, high):
        key = f'uniform:{stream}'
        if key in self.overrides:
            return self.overrides[key].to(self.device)
        g = self._generator(stream)
        return self._rows(low + (high - low) * torch.rand([self.n * self.world, *shape], generator=g, device=self.device))

    def gamma(self, stream, shape, alpha):
        key = f'gamma:{stream}'
        if key in self.overrides:
            return self.overrides[key].to(self.device)
        draws = np.random.default_rng(derive_seed(self.seed, self.step, stream)).standard_gamma(alpha, [self.n * self.world, *shape])
        return self._rows(torch.from_numpy(draws.astype(np.float32)).to(self.device))

    def gather(self, table, offset, index):
        """table[index − offset] for a per-example integer index."""
        t = self._tables.get(id(table))
        if t is None:
            t = self._tables[id(table)] = torch.tensor(table, dtype=torch.float32, device=self.device)
        return t[(torch.round(index) - offset).long()]

    def net(self, name, *args):
        net = self.nets[name]
        # A constant argument (t = 1 in L_0) becomes one value per row; the rows of enumerated latents, where they are.
        rows = next((a.shape[0] for a in args if torch.is_tensor(a) and a.dim() > 0), self.n)
        args = [a if torch.is_tensor(a) else torch.full([rows], float(a), device=self.device) for a in args]
        if getattr(net, 'time_conditioned', False) or getattr(getattr(net, 'module', None), 'time_conditioned', False):
            return net(args[0], args[1])
        return net(args[0] if len(args) == 1 else ops.features(args, self.n))

    def combine_replicas(self, how, x):
        """[R·B] → [B]: the mean over the replicas, or log (1/R) Σ_r exp(x_r) (Burda et al. 2015, eq. 8)."""
        x = x.reshape(self.replicas, self.batch)
        if how == 'mean':
            return x.mean(dim=0)
        return torch.logsumexp(x, dim=0) - float(np.log(self.replicas))

    def per_example(self, v):
        return v if torch.is_tensor(v) else torch.full([self.batch], float(v), device=self.device)


def evaluate(bound, ctx):
    """Every term's per-example value [B] of a generated bound module."""
    s = bound.sample(ctx)
    ctx.shared = s  # importance-sampled t: the trainer reads (t, L_t) back from here
    return {t.id: ctx.per_example(t.fn(s, ctx)) for t in bound.TERMS}


def loss(bound, values, step):
    """The loss −Σ sign · w(step) · mean(term), and each term's batch mean."""
    total = 0.0
    means = {}
    for t in bound.TERMS:
        mean = values[t.id].float().mean()
        means[t.id] = mean
        w = t.weight_at(step)
        if w != 0:
            total = total + t.sign * w * mean
    return -total, means
