/** Fixtures shared by the runtime's tests: the examples, loaded and derived, and a known-exact network. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelIR, type UNetIR } from '@gm/language';
import { deriveFromLowering, type Derivation } from '@gm/language/derivation';
import type { Network } from '../src/nets/index.js';

export const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

/** An example by name, or any model file by absolute path, lowered and derived; throws with the reasons when it does not derive. */
export async function loadExample(file: string): Promise<{ model: ModelIR; derivation: Derivation }> {
    const { result } = await loadModel(path.resolve(examples, file));
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(`${file}: ${derived.failure.reasons.map(r => r.message).join('; ')}`);
    return { model: result.model, derivation: derived.derivation };
}

/** A source range for IR built by hand in tests. */
export const here = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A small U-Net (one input and output channel, 8 base channels, two levels, no attention) with overrides. */
export function unet(extra: Partial<UNetIR> = {}): UNetIR {
    return {
        architecture: 'UNet',
        name: 'eps',
        inChannels: 1,
        outChannels: 1,
        channels: 8,
        mults: [1, 2],
        timeEmbedding: 16,
        attention: [],
        blocks: 1,
        dropout: 0,
        range: here,
        ...extra,
    };
}

/**
 * The exact ε-predictor for data that is one point c: x_t = m_t c + √s_t ε, so ε = (x_t − m_t c)/√s_t.
 * With it, the reverse chain must end at c whatever the sampler, and each L_{t−1} of the bound is
 * only the variance mismatch.
 */
export function optimalDenoiser(derivation: Derivation, c: number | tf.Tensor): Network {
    const co = derivation.chains[0].coefficients;
    const m = tf.keep(tf.tensor1d(co.marginalMean));
    const s = tf.keep(tf.tensor1d(co.marginalVar));
    return {
        name: 'eps',
        architecture: 'MLP',
        timeConditioned: true,
        apply: (x, t) => {
            const ti = tf.cast(t!, 'int32');
            const mt = tf.reshape(tf.gather(m, ti), [-1, 1]);
            const st = tf.reshape(tf.gather(s, ti), [-1, 1]);
            return tf.div(tf.sub(x, tf.mul(mt, c)), tf.sqrt(st));
        },
        parameters: [],
        variables: [],
        parameterCount: 0,
        dispose: () => tf.dispose([m, s]),
    };
}
