/**
 * SGD with momentum as PyTorch writes it (b ← μ b + g, θ ← θ − lr b), and RMSProp (Tieleman & Hinton
 * 2012, PyTorch's form: v ← α v + (1 − α) g², θ ← θ − lr g / (√v + ε)).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';
import type { Optimizer } from './optimizer.js';
import { Slots } from './slots.js';

export class Sgd implements Optimizer {
    readonly name = 'SGD';
    private t = 0;
    private readonly slots: Slots;

    constructor(readonly parameters: Parameter[], private readonly momentum: number) {
        this.slots = new Slots(parameters, momentum > 0 ? ['momentum'] : []);
    }

    get iterations(): number {
        return this.t;
    }

    apply(grads: tf.Tensor[], lr: number): void {
        this.t += 1;
        tf.tidy(() => {
            this.parameters.forEach((p, i) => {
                let step = grads[i];
                if (this.momentum > 0) {
                    const b = this.slots.get('momentum')[i];
                    // PyTorch starts the buffer at the first gradient.
                    const next = this.t === 1 ? step : tf.add(tf.mul(b, this.momentum), step);
                    b.assign(next);
                    step = next;
                }
                p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
            });
        });
    }

    async saveStateAsync() {
        return { iterations: this.t, slots: await this.slots.saveAsync() };
    }

    loadState(state: { iterations: number; slots: NamedArray[] }): void {
        this.slots.load(state.slots, 'SGD state');
        this.t = state.iterations;
    }

    dispose(): void {
        this.slots.dispose();
    }
}

export class RmsProp implements Optimizer {
    readonly name = 'RMSProp';
    private t = 0;
    private readonly slots: Slots;

    constructor(readonly parameters: Parameter[], private readonly alpha: number, private readonly eps: number) {
        this.slots = new Slots(parameters, ['square']);
    }

    get iterations(): number {
        return this.t;
    }

    apply(grads: tf.Tensor[], lr: number): void {
        this.t += 1;
        const squares = this.slots.get('square');
        tf.tidy(() => {
            this.parameters.forEach((p, i) => {
                const g = grads[i];
                const v = tf.add(tf.mul(squares[i], this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
                squares[i].assign(v);
                p.variable.assign(tf.sub(p.variable, tf.mul(tf.div(g, tf.add(tf.sqrt(v), this.eps)), lr)));
            });
        });
    }

    async saveStateAsync() {
        return { iterations: this.t, slots: await this.slots.saveAsync() };
    }

    loadState(state: { iterations: number; slots: NamedArray[] }): void {
        this.slots.load(state.slots, 'RMSProp state');
        this.t = state.iterations;
    }

    dispose(): void {
        this.slots.dispose();
    }
}
