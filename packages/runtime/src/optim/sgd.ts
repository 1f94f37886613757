/**
 * SGD with momentum as PyTorch writes it (b ← μ b + g, θ ← θ − lr b), and RMSProp (Tieleman & Hinton
 * 2012, PyTorch's form: v ← α v + (1 − α) g², θ ← θ − lr g / (√v + ε)).
 */
import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../nets/parameters.js';
import { SlotOptimizer } from './slot-optimizer.js';

export class Sgd extends SlotOptimizer {
    readonly name = 'SGD';

    constructor(
        parameters: Parameter[],
        private readonly momentum: number,
    ) {
        super(parameters, momentum > 0 ? ['momentum'] : []);
    }

    protected update(p: Parameter, g: tf.Tensor, i: number, lr: number): void {
        let step = g;
        if (this.momentum > 0) {
            const b = this.slots.get('momentum')[i];
            // PyTorch starts the buffer at the first gradient.
            const next = this.t === 1 ? step : tf.add(tf.mul(b, this.momentum), step);
            b.assign(next);
            step = next;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
    }
}

export class RmsProp extends SlotOptimizer {
    readonly name = 'RMSProp';

    constructor(
        parameters: Parameter[],
        private readonly alpha: number,
        private readonly eps: number,
    ) {
        super(parameters, ['square']);
    }

    protected update(p: Parameter, g: tf.Tensor, i: number, lr: number): void {
        const square = this.slots.get('square')[i];
        const v = tf.add(tf.mul(square, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
        square.assign(v);
        p.variable.assign(tf.sub(p.variable, tf.mul(tf.div(g, tf.add(tf.sqrt(v), this.eps)), lr)));
    }
}
