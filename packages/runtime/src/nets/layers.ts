/** Layers from plain tf ops over explicit variables (NHWC images). */
import * as tf from '@tensorflow/tfjs';
import { pytorchDefault, type Init, type ParameterStore } from './parameters.js';

export type Layer = (x: tf.Tensor) => tf.Tensor;

/** y = x W + b, x [B, in] → [B, out]; PyTorch's default initialization unless `init` is given. */
export function dense(store: ParameterStore, name: string, inSize: number, outSize: number, init?: { kernel: Init; bias: Init }): Layer {
    const kernel = store.create(`${name}/kernel`, [inSize, outSize], init?.kernel ?? pytorchDefault(inSize));
    const bias = store.create(`${name}/bias`, [outSize], init?.bias ?? pytorchDefault(inSize));
    return x => tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias);
}

/** A stride-1 'same' convolution k×k, [B, H, W, in] → [B, H, W, out]. */
export function conv(store: ParameterStore, name: string, inCh: number, outCh: number, k: number, init?: { kernel: Init; bias: Init }): Layer {
    const fanIn = inCh * k * k;
    const kernel = store.create(`${name}/kernel`, [k, k, inCh, outCh], init?.kernel ?? pytorchDefault(fanIn));
    const bias = store.create(`${name}/bias`, [outCh], init?.bias ?? pytorchDefault(fanIn));
    return x => tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), bias);
}

/**
 * The number of groups: 32 as in Ho et al. (Wu & He 2018's default) when there are enough channels,
 * a divisor of the channels, and at least 4 channels per group. With one channel per group the norm
 * would subtract every per-channel constant, and with it the time embedding added just before.
 */
export function groupCount(channels: number, most = 32, minPerGroup = 4): number {
    for (let g = Math.min(most, Math.floor(channels / minPerGroup)); g > 1; g--) if (channels % g === 0) return g;
    return 1;
}

/** Group normalization (Wu & He 2018) over [B, H, W, C] with a learned per-channel scale and shift. */
export function groupNorm(store: ParameterStore, name: string, channels: number, eps = 1e-6): Layer {
    const groups = groupCount(channels);
    const gamma = store.create(`${name}/gamma`, [channels], { kind: 'ones' });
    const beta = store.create(`${name}/beta`, [channels], { kind: 'zeros' });
    return x => {
        const [b, h, w] = x.shape;
        const grouped = tf.reshape(x, [b, h!, w!, groups, channels / groups]);
        const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
        const normalized = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, eps)));
        return tf.add(tf.mul(tf.reshape(normalized, x.shape), gamma), beta);
    };
}

/** Nearest-neighbour ×2 upsampling by reshape and broadcast (the cpu backend's resizeNearestNeighbor gradient is wrong for batch > 1). */
export function upsample2x(x: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    // Broadcasting by a multiplication: its gradient is a sum; broadcastTo's (a rank-6 tile) has none in tfjs.
    const expanded = tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1]));
    return tf.reshape(expanded, [b, 2 * h, 2 * w, c]);
}

/**
 * Keeps every second pixel starting at 0: after a stride-1 'same' 3×3 convolution this is PyTorch's
 * Conv2d(stride=2, padding=1), computed with kernels whose gradients are fast on wasm.
 */
export function subsample2x(x: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`cannot downsample a ${h}×${w} feature map by 2: its size must be even`);
    // Rank 4, not 6: the slice's gradient is a pad, and WebGPU's Pad shader does not compile above rank 4.
    const split = tf.reshape(x, [b * (h / 2), 2, w / 2, 2 * c]);
    return tf.reshape(tf.slice(split, [0, 0, 0, 0], [b * (h / 2), 1, w / 2, c]), [b, h / 2, w / 2, c]);
}
