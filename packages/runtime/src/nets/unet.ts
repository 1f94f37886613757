/**
 * The U-Net denoiser of Ho et al. 2020 (appendix B, after PixelCNN++): a sinusoidal time embedding
 * and MLP; residual blocks with GroupNorm, SiLU and the time embedding added after the first
 * convolution; self-attention at chosen resolutions; downsampling by a 3×3 convolution with stride 2
 * and upsampling by nearest neighbour then a 3×3 convolution; skip connections from every block of
 * the way down to the way up. Initialization as in their code: variance scaling (fan_avg, uniform),
 * zero biases, and ~0 for the last convolution of every residual branch and of the output, so that
 * every block starts as the identity.
 *
 * Inputs are channel-first like the model's variables ([B, C, H, W]); the network works in NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import type { UNetIR } from '@gm/language';
import { deriveSeed } from '../rng/seeds.js';
import { silu } from './activations.js';
import { conv, dense, groupNorm, subsample2x, upsample2x, type Layer } from './layers.js';
import type { ApplyOptions, Network } from './network.js';
import { countParameters, ParameterStore, varianceScalingFanAvg, type Init } from './parameters.js';
import { timestepEmbedding } from './time-embedding.js';

const ZERO: Init = { kind: 'zeros' };
/** Ho et al.'s scale 1e-10 for the last layer of a branch: effectively 0, still a uniform draw. */
const NEARLY_ZERO = 1e-10;

function convInit(inCh: number, outCh: number, k: number, scale = 1): { kernel: Init; bias: Init } {
    return { kernel: varianceScalingFanAvg(inCh * k * k, outCh * k * k, scale), bias: ZERO };
}

function denseInit(inSize: number, outSize: number, scale = 1): { kernel: Init; bias: Init } {
    return { kernel: varianceScalingFanAvg(inSize, outSize, scale), bias: ZERO };
}

interface Context {
    temb: tf.Tensor;
    training: boolean;
    seed: number;
}

type Block = (x: tf.Tensor, ctx: Context) => tf.Tensor;

function resBlock(store: ParameterStore, inCh: number, outCh: number, tembSize: number, dropout: number, index: number): Block {
    const norm1 = groupNorm(store, 'norm1', inCh);
    const conv1 = conv(store, 'conv1', inCh, outCh, 3, convInit(inCh, outCh, 3));
    const tproj = dense(store, 'temb', tembSize, outCh, denseInit(tembSize, outCh));
    const norm2 = groupNorm(store, 'norm2', outCh);
    const conv2 = conv(store, 'conv2', outCh, outCh, 3, convInit(outCh, outCh, 3, NEARLY_ZERO));
    const skip = inCh !== outCh ? conv(store, 'skip', inCh, outCh, 1, convInit(inCh, outCh, 1)) : undefined;
    return (x, ctx) => {
        let h = conv1(silu(norm1(x)));
        h = tf.add(h, tf.reshape(tproj(silu(ctx.temb)), [-1, 1, 1, outCh]));
        h = silu(norm2(h));
        if (ctx.training && dropout > 0) h = tf.dropout(h, dropout, undefined, deriveSeed(ctx.seed, index, 'dropout'));
        h = conv2(h);
        return tf.add(skip ? skip(x) : x, h);
    };
}

/** Single-head self-attention over all positions (Vaswani et al. 2017; Ho et al.'s attn_block). */
function attentionBlock(store: ParameterStore, ch: number): Block {
    const norm = groupNorm(store, 'norm', ch);
    const q = dense(store, 'q', ch, ch, denseInit(ch, ch));
    const k = dense(store, 'k', ch, ch, denseInit(ch, ch));
    const v = dense(store, 'v', ch, ch, denseInit(ch, ch));
    const out = dense(store, 'out', ch, ch, denseInit(ch, ch, NEARLY_ZERO));
    return x => {
        const [b, h, w] = x.shape as [number, number, number, number];
        const flat = tf.reshape(norm(x), [b * h * w, ch]);
        const shape = [b, h * w, ch];
        const qs = tf.reshape(q(flat), shape);
        const ks = tf.reshape(k(flat), shape);
        const vs = tf.reshape(v(flat), shape);
        // Explicit transpose, not matMul(…, transposeB): the latter is slow on wasm.
        const scores = tf.div(tf.matMul(qs, tf.transpose(ks, [0, 2, 1])), Math.sqrt(ch));
        const attended = tf.matMul(tf.softmax(scores), vs);
        const projected = out(tf.reshape(attended, [b * h * w, ch]));
        return tf.add(x, tf.reshape(projected, x.shape));
    };
}

/**
 * `imageSize` ([H, W] of the inputs) places the attention blocks: level l works at resolution H / 2^l,
 * and a block gets attention when that resolution is listed in `ir.attention`.
 */
export function buildUNet(ir: UNetIR, seed: number, imageSize?: [number, number]): Network {
    const store = new ParameterStore(seed, ir.name);
    const ch = ir.channels;
    const tembSize = ir.timeEmbedding;
    if (ch % 2 !== 0) throw new Error(`network ${ir.name}: the base channel count must be even (it sizes the sinusoidal embedding), not ${ch}`);
    const temb0 = dense(store, 'temb/dense0', ch, tembSize, denseInit(ch, tembSize));
    const temb1 = dense(store, 'temb/dense1', tembSize, tembSize, denseInit(tembSize, tembSize));
    const convIn = conv(store, 'conv_in', ir.inChannels, ch, 3, convInit(ir.inChannels, ch, 3));

    if (ir.attention.length > 0 && !imageSize) throw new Error(`network ${ir.name}: attention at resolutions [${ir.attention.join(', ')}] needs the input image size`);
    const resolution = (level: number) => (imageSize ? imageSize[0] / 2 ** level : 0);
    const attentionAt = new Set(ir.attention);
    type Step = { kind: 'res'; block: Block; attn?: Block; level: number } | { kind: 'down' | 'up'; layer: Layer; level: number };
    const down: Step[] = [];
    const up: Step[] = [];
    let blockIndex = 0;
    const skipChannels: number[] = [ch];
    let current = ch;
    const levels = ir.mults.length;
    for (let level = 0; level < levels; level++) {
        const outCh = ch * ir.mults[level];
        for (let i = 0; i < ir.blocks; i++) {
            const s = store.scope(`down${level}/block${i}`);
            const block = resBlock(s, current, outCh, tembSize, ir.dropout, blockIndex++);
            const attn = attentionAt.has(resolution(level)) ? attentionBlock(s.scope('attn'), outCh) : undefined;
            down.push({ kind: 'res', block, attn, level });
            current = outCh;
            skipChannels.push(current);
        }
        if (level + 1 < levels) {
            down.push({ kind: 'down', layer: conv(store, `down${level}/downsample`, current, current, 3, convInit(current, current, 3)), level });
            skipChannels.push(current);
        }
    }
    const mid1 = resBlock(store.scope('mid/block1'), current, current, tembSize, ir.dropout, blockIndex++);
    const midAttn = attentionBlock(store.scope('mid/attn'), current);
    const mid2 = resBlock(store.scope('mid/block2'), current, current, tembSize, ir.dropout, blockIndex++);
    for (let level = levels - 1; level >= 0; level--) {
        const outCh = ch * ir.mults[level];
        for (let i = 0; i < ir.blocks + 1; i++) {
            const s = store.scope(`up${level}/block${i}`);
            const skip = skipChannels.pop()!;
            const block = resBlock(s, current + skip, outCh, tembSize, ir.dropout, blockIndex++);
            const attn = attentionAt.has(resolution(level)) ? attentionBlock(s.scope('attn'), outCh) : undefined;
            up.push({ kind: 'res', block, attn, level });
            current = outCh;
        }
        if (level > 0) up.push({ kind: 'up', layer: conv(store, `up${level}/upsample`, current, current, 3, convInit(current, current, 3)), level });
    }
    const normOut = groupNorm(store, 'norm_out', current);
    const convOut = conv(store, 'conv_out', current, ir.outChannels, 3, convInit(current, ir.outChannels, 3, NEARLY_ZERO));
    const parameters = store.parameters;

    const apply = (x: tf.Tensor, t?: tf.Tensor, options?: ApplyOptions): tf.Tensor => {
        if (!t) throw new Error(`network ${ir.name} is time-conditioned: call it as ${ir.name}(x, t)`);
        if (x.rank !== 4 || x.shape[1] !== ir.inChannels) {
            throw new Error(`network ${ir.name}: expected inputs [B, ${ir.inChannels}, H, W], got [${x.shape.join(', ')}]`);
        }
        const ctx: Context = {
            temb: temb1(silu(temb0(timestepEmbedding(t, ch)))),
            training: options?.training ?? false,
            seed: options?.seed ?? 0,
        };
        if (imageSize && (x.shape[2] !== imageSize[0] || x.shape[3] !== imageSize[1])) {
            throw new Error(`network ${ir.name} was built for ${imageSize.join('×')} images, got ${x.shape[2]}×${x.shape[3]}`);
        }
        let h = convIn(tf.transpose(x, [0, 2, 3, 1]));
        const skips: tf.Tensor[] = [h];
        const attend = (step: { attn?: Block }, y: tf.Tensor) => (step.attn ? step.attn(y, ctx) : y);
        for (const step of down) {
            if (step.kind === 'res') h = attend(step, step.block(h, ctx));
            else h = subsample2x(step.layer(h));
            skips.push(h);
        }
        h = mid2(midAttn(mid1(h, ctx), ctx), ctx);
        for (const step of up) {
            if (step.kind === 'res') h = attend(step, step.block(tf.concat([h, skips.pop()!], 3), ctx));
            else h = step.layer(upsample2x(h));
        }
        h = convOut(silu(normOut(h)));
        return tf.transpose(h, [0, 3, 1, 2]);
    };

    return {
        name: ir.name,
        architecture: 'UNet',
        timeConditioned: true,
        apply,
        parameters,
        variables: parameters.map(p => p.variable),
        parameterCount: countParameters(parameters),
        dispose: () => parameters.forEach(p => p.variable.dispose()),
    };
}
