/**
 * Gradients that run fast on the wasm backend (measured in BENCHMARKS.md).
 *
 * - BatchMatMul: the stock gradient calls matMul with transposeA/transposeB, which runs 10–25× slower
 *   on wasm than a plain matMul; here the operands are transposed explicitly first.
 * - Conv2D: wasm has no Conv2DBackpropFilter kernel and a slow Conv2DBackpropInput. For stride 1,
 *   dx is a forward convolution of dy with the spatially flipped, in/out-swapped filter, and dW is one
 *   'valid' convolution over the padded input with the batch and channel axes swapped.
 *
 * The gradient registry of tfjs is global (not per backend); the overrides are exact rewrites of the
 * same mathematics, so they are correct on every backend. Other cases fall back to the stock gradient.
 * Conv2D's rewrite is used on wasm and WebGPU only: on WebGPU with dW by per-tap matrix products, because
 * there the stock dW kernel took 71 % of a U-Net step and the image-sized-filter convolution 90 %
 * (BENCHMARKS.md); cpu keeps the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { explicitPadding, type Conv2DPad } from './padding.js';

type GradConfig = NonNullable<ReturnType<typeof tf.getGradient>>;
type GradFunc = GradConfig['gradFunc'];

/** Swaps the last two axes. */
function transposeLast(x: tf.Tensor): tf.Tensor {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return tf.transpose(x, perm);
}

function sameBatch(a: tf.Tensor, b: tf.Tensor): boolean {
    if (a.rank !== b.rank) return false;
    for (let i = 0; i < a.rank - 2; i++) if (a.shape[i] !== b.shape[i]) return false;
    return true;
}

function fastMatMulGrad(stock: GradFunc): GradFunc {
    return (dy, saved, attrs) => {
        const [a, b] = saved;
        const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
        // Broadcast batch dimensions need a reduction; leave them to the stock gradient.
        if (!sameBatch(a, b)) return stock(dy, saved, attrs);
        const d = dy as tf.Tensor;
        const T = transposeLast;
        if (!transposeA && !transposeB) {
            // C = A B: dA = dC Bᵀ, dB = Aᵀ dC
            return { a: () => tf.matMul(d, T(b)), b: () => tf.matMul(T(a), d) };
        }
        if (transposeA && !transposeB) {
            // C = Aᵀ B: dA = B dCᵀ, dB = A dC
            return { a: () => tf.matMul(b, T(d)), b: () => tf.matMul(a, d) };
        }
        if (!transposeA && transposeB) {
            // C = A Bᵀ: dA = dC B, dB = dCᵀ A
            return { a: () => tf.matMul(d, b), b: () => tf.matMul(T(d), a) };
        }
        // C = Aᵀ Bᵀ: dA = Bᵀ dCᵀ, dB = dCᵀ Aᵀ
        return { a: () => tf.matMul(T(b), T(d)), b: () => tf.matMul(T(d), T(a)) };
    };
}

interface Conv2DAttrs {
    strides: number | [number, number];
    pad: Conv2DPad;
    dataFormat: 'NHWC' | 'NCHW';
    dilations: number | [number, number];
    dimRoundingMode?: string;
}

function isOne(v: number | [number, number] | undefined): boolean {
    return v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);
}

function fastConv2DGrad(stock: GradFunc): GradFunc {
    return (dy, saved, attrs) => {
        const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
        const a = attrs as unknown as Conv2DAttrs;
        const backend = tf.getBackend();
        if (backend !== 'wasm' && backend !== 'webgpu') return stock(dy, saved, attrs);
        if (!isOne(a.strides) || !isOne(a.dilations) || a.dataFormat === 'NCHW' || a.dimRoundingMode) {
            return stock(dy, saved, attrs);
        }
        const d = dy as tf.Tensor4D;
        const [kh, kw] = filter.shape;
        const [pt, pb, pl, pr] = explicitPadding(a.pad, kh, kw);
        if (pt > kh - 1 || pb > kh - 1 || pl > kw - 1 || pr > kw - 1) return stock(dy, saved, attrs);
        if (backend === 'webgpu') return { x: stock(dy, saved, attrs)['x']!, filter: () => filterGradByMatMul(x, d, kh, kw, [pt, pb, pl, pr]) };
        return {
            x: () => {
                // dx[i] = Σ_k dy[i + pt − k] W[k]: a correlation of dy, padded by (k − 1 − p), with W
                // flipped in space and its in/out channels swapped.
                const flipped = flipTaps(filter).transpose([0, 1, 3, 2]) as tf.Tensor4D;
                const padded = tf.pad(d, [
                    [0, 0],
                    [kh - 1 - pt, kh - 1 - pb],
                    [kw - 1 - pl, kw - 1 - pr],
                    [0, 0],
                ]);
                return tf.conv2d(padded, flipped, 1, 'valid');
            },
            filter: () => {
                // dW[a, b, ci, co] = Σ_{n,i,j} xpad[n, i + a, j + b, ci] dy[n, i, j, co]: a 'valid'
                // convolution with the batch axis as the channel axis.
                const xpad = tf.pad(x, [
                    [0, 0],
                    [pt, pb],
                    [pl, pr],
                    [0, 0],
                ]);
                const input = tf.transpose(xpad, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, Hp, Wp, N]
                const kernel = tf.transpose(d, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co]
                const out = tf.conv2d(input, kernel, 1, 'valid'); // [Ci, kh, kw, Co]
                return tf.transpose(out, [1, 2, 0, 3]);
            },
        };
    };
}

/**
 * The filter with its taps in reverse order (W[kh − 1 − a, kw − 1 − b]), as the product of the reversal
 * permutation with the taps as rows: on a 3×3×256×256 filter wasm's Reverse takes 18 ms, half the convolution
 * that uses it, and this product 1.5 ms (bench/conv-parts.mjs); it is exact (each entry is 1·w plus zeros).
 */
function flipTaps(filter: tf.Tensor4D): tf.Tensor4D {
    const [kh, kw, ci, co] = filter.shape;
    const taps = kh * kw;
    const reversal = tf.tensor2d(
        Array.from({ length: taps * taps }, (_, k) => (Math.floor(k / taps) + (k % taps) === taps - 1 ? 1 : 0)),
        [taps, taps],
    );
    return tf.reshape(tf.matMul(reversal, tf.reshape(filter, [taps, ci * co])), filter.shape);
}

/**
 * dW by one matrix product per filter tap: dW[a, b] = xpad[:, a:a+Ho, b:b+Wo, :]ᵀ dy over N·Ho·Wo rows.
 * On WebGPU a convolution whose filter is the whole image (the 'valid' form above) and the stock
 * Conv2DBackpropFilter both loop over every pixel per output; tiled matrix products are faster.
 */
function filterGradByMatMul(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, [pt, pb, pl, pr]: number[]): tf.Tensor4D {
    const [n, ho, wo, co] = dy.shape;
    const ci = x.shape[3];
    const xpad = tf.pad(x, [
        [0, 0],
        [pt!, pb!],
        [pl!, pr!],
        [0, 0],
    ]);
    const rows = tf.reshape(dy, [n * ho * wo, co]);
    const taps: tf.Tensor[] = [];
    for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) taps.push(tf.reshape(tf.slice(xpad, [0, a, b, 0], [n, ho, wo, ci]), [n * ho * wo, ci]));
    }
    // im2col: one product [kh·kw·ci, N·Ho·Wo] × [N·Ho·Wo, co].
    return tf.reshape(tf.matMul(tf.concat(taps, 1), rows, true, false), [kh, kw, ci, co]);
}

let stockConfigs: GradConfig[] | undefined;

/**
 * Registers the fast gradients of BatchMatMul and Conv2D (idempotent). Returns a function that
 * restores the stock gradients (used by the tests that compare against them).
 */
export function installFastGradients(): () => void {
    if (!stockConfigs) {
        const matMul = tf.getGradient('BatchMatMul');
        const conv = tf.getGradient('Conv2D');
        if (!matMul || !conv) throw new Error('tfjs has no registered gradient for BatchMatMul or Conv2D');
        stockConfigs = [matMul, conv];
        // tfjs warns when a gradient is overwritten; the override is intended.
        const warn = console.warn;
        console.warn = () => {};
        try {
            tf.registerGradient({ ...matMul, gradFunc: fastMatMulGrad(matMul.gradFunc) });
            tf.registerGradient({ ...conv, gradFunc: fastConv2DGrad(conv.gradFunc) });
        } finally {
            console.warn = warn;
        }
    }
    return restoreStockGradients;
}

function restoreStockGradients(): void {
    if (!stockConfigs) return;
    const warn = console.warn;
    console.warn = () => {};
    try {
        for (const config of stockConfigs) tf.registerGradient(config);
    } finally {
        console.warn = warn;
    }
    stockConfigs = undefined;
}
