/** A tiny VAE (8 hidden units, a 2-D latent, 512 digits) for tests that run `gm train` many times. */
export const TINY = `model Tiny {
  data mnist = images("mnist", split: train, binarize: fixed, limit: 512)
  observed x : Real[784] from mnist
  latent   z : Real[2]
  net encoder = MLP(784 -> 8 -> 2 * 2, activation: relu)
  net decoder = MLP(2 -> 8 -> 784, activation: relu)
  p(z)     = Normal(0, 1)
  p(x | z) = Bernoulli(logits: decoder(z))
  q(z | x) = Normal(mean: encoder(x)[0:2], logvar: encoder(x)[2:4])
  train { optimizer: Adam(lr: 1e-3), batch: 16, steps: 40, seed: 3 }
  sample { n: 4 }
}
`;
/** Parameters of Tiny: 784·8 + 8 + 8·4 + 4 + 2·8 + 8 + 8·784 + 784. */
export const TINY_PARAMETERS = 784 * 8 + 8 + 8 * 4 + 4 + 2 * 8 + 8 + 8 * 784 + 784;
