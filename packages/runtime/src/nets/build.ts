import type { NetworkIR } from '@gm/language';
import { deriveSeed } from '../rng/seeds.js';
import { buildMlp } from './mlp.js';
import type { Network } from './network.js';
import { buildUNet } from './unet.js';

/**
 * Builds a declared network; its initial weights depend only on the seed and the network's name.
 * `inputShape` is the shape of one input example ([C, H, W] for a U-Net: it places the attention).
 */
export function buildNetwork(ir: NetworkIR, seed: number, inputShape?: number[]): Network {
    const netSeed = deriveSeed(seed, 0, `init/${ir.name}`);
    if (ir.architecture === 'MLP') return buildMlp(ir, netSeed);
    const size = inputShape && inputShape.length === 3 ? ([inputShape[1], inputShape[2]] as [number, number]) : undefined;
    return buildUNet(ir, netSeed, size);
}
