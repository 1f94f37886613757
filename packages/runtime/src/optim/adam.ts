/**
 * Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019, Algorithm 2: weight
 * decay decoupled from the gradient), with PyTorch's defaults β1 = 0.9, β2 = 0.999, ε = 1e-8:
 *   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)  [− lr · λ θ for AdamW]
 */
import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../nets/parameters.js';
import { SlotOptimizer } from './slot-optimizer.js';

export interface AdamOptions {
    beta1: number;
    beta2: number;
    eps: number;
    /** Decoupled weight decay λ (AdamW); 0 is Adam. */
    weightDecay: number;
}

export class Adam extends SlotOptimizer {
    readonly name: string;

    constructor(
        parameters: Parameter[],
        private readonly options: AdamOptions,
        decoupled = false,
    ) {
        super(parameters, ['m', 'v']);
        this.name = decoupled ? 'AdamW' : 'Adam';
    }

    protected update(p: Parameter, g: tf.Tensor, i: number, lr: number): void {
        const { beta1, beta2, eps, weightDecay } = this.options;
        // Bias corrections from the step count on the host, so a resumed run updates bit-identically.
        const c1 = 1 - Math.pow(beta1, this.t);
        const c2 = 1 - Math.pow(beta2, this.t);
        const ms = this.slots.get('m');
        const vs = this.slots.get('v');
        const m = tf.add(tf.mul(ms[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(vs[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        ms[i].assign(m);
        vs[i].assign(v);
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        if (weightDecay > 0) update = tf.add(update, tf.mul(p.variable, weightDecay));
        p.variable.assign(tf.sub(p.variable, tf.mul(update, lr)));
    }
}
