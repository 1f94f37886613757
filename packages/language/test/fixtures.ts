/** Model texts and helpers shared by the language package's tests. */
import { expect } from 'vitest';

/** The VAE of examples/vae.gm, one declaration a line, without comments. */
export const VAE = `model VAE {
  data mnist = images("mnist", split: train, binarize: fixed)
  observed x : Real[784] from mnist
  latent z : Real[20]
  net encoder = MLP(784 -> 400 -> 2 * 20, activation: relu)
  net decoder = MLP(20 -> 400 -> 784, activation: relu)
  p(z) = Normal(0, 1)
  p(x | z) = Bernoulli(logits: decoder(z))
  q(z | x) = Normal(mean: encoder(x)[0:20], logvar: encoder(x)[20:40])
  train { optimizer: Adam(lr: 1e-3), batch: 128, epochs: 10, seed: 1 }
}`;

/** A small DDPM (Ho et al. 2020) over a chain of 200 steps, written out factor by factor. */
export const TINY_DDPM = `model TinyDDPM {
  const T = 200
  schedule beta[t in 1..T] = linear(1e-4, 0.05)
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  data mnist = images("mnist", split: train, range: [-1, 1])
  observed x0 : Real[784] from mnist
  chain x[t in 0..T] starts x0
  net eps = MLP(784 -> 1024 -> 784, activation: silu, time_embedding: 128)
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal((x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)) / sqrt(alpha[t]), var: beta[t])
  train { objective: simple, optimizer: Adam(lr: 1e-3), batch: 128, steps: 20000, seed: 0 }
}`;

/** `text` with each `[from, to]` replaced in turn; each `from` must be there, so a stale edit fails loudly. */
export function edit(text: string, ...pairs: Array<[string, string]>): string {
    return pairs.reduce((s, [from, to]) => {
        expect(s).toContain(from);
        return s.replace(from, to);
    }, text);
}
