/**
 * Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019, Algorithm 2: weight
 * decay decoupled from the gradient), with PyTorch's defaults β1 = 0.9, β2 = 0.999, ε = 1e-8:
 *   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)  [− lr · λ θ for AdamW]
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';
import type { Optimizer } from './optimizer.js';
import { Slots } from './slots.js';

export interface AdamOptions {
    beta1: number;
    beta2: number;
    eps: number;
    /** Decoupled weight decay λ (AdamW); 0 is Adam. */
    weightDecay: number;
}

export class Adam implements Optimizer {
    readonly name: string;
    private t = 0;
    private readonly slots: Slots;

    constructor(readonly parameters: Parameter[], private readonly options: AdamOptions, decoupled = false) {
        this.name = decoupled ? 'AdamW' : 'Adam';
        this.slots = new Slots(parameters, ['m', 'v']);
    }

    get iterations(): number {
        return this.t;
    }

    apply(grads: tf.Tensor[], lr: number): void {
        const { beta1, beta2, eps, weightDecay } = this.options;
        this.t += 1;
        const c1 = 1 - Math.pow(beta1, this.t);
        const c2 = 1 - Math.pow(beta2, this.t);
        const ms = this.slots.get('m');
        const vs = this.slots.get('v');
        tf.tidy(() => {
            this.parameters.forEach((p, i) => {
                const g = grads[i];
                const m = tf.add(tf.mul(ms[i], beta1), tf.mul(g, 1 - beta1));
                const v = tf.add(tf.mul(vs[i], beta2), tf.mul(tf.square(g), 1 - beta2));
                ms[i].assign(m);
                vs[i].assign(v);
                let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
                if (weightDecay > 0) update = tf.add(update, tf.mul(p.variable, weightDecay));
                p.variable.assign(tf.sub(p.variable, tf.mul(update, lr)));
            });
        });
    }

    async saveStateAsync() {
        return { iterations: this.t, slots: await this.slots.saveAsync() };
    }

    loadState(state: { iterations: number; slots: NamedArray[] }): void {
        this.slots.load(state.slots, `${this.name} state`);
        this.t = state.iterations;
    }

    dispose(): void {
        this.slots.dispose();
    }
}
