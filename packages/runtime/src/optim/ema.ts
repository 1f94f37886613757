/**
 * An exponential moving average of the weights (Polyak averaging; Ho et al. 2020 sample with an
 * EMA of decay 0.9999): θ̄ ← d θ̄ + (1 − d) θ after every step. Sampling and evaluation can swap the
 * averaged weights in and back out.
 */
import * as tf from '@tensorflow/tfjs';
import { assignNamedArrays, readNamedArrays, type NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';

export class Ema {
    readonly shadows: tf.Variable[];

    constructor(
        readonly parameters: Parameter[],
        readonly decay: number,
    ) {
        this.shadows = parameters.map(p => tf.variable(p.variable.clone(), false));
    }

    update(): void {
        tf.tidy(() => {
            this.parameters.forEach((p, i) => {
                this.shadows[i].assign(tf.add(tf.mul(this.shadows[i], this.decay), tf.mul(p.variable, 1 - this.decay)));
            });
        });
    }

    /** Runs `fn` with the averaged weights in place of the trained ones, then puts the trained ones back. */
    async withAveragedWeights<T>(fn: () => T | Promise<T>): Promise<T> {
        const saved = this.parameters.map(p => p.variable.clone());
        this.parameters.forEach((p, i) => p.variable.assign(this.shadows[i]));
        try {
            return await fn();
        } finally {
            this.parameters.forEach((p, i) => p.variable.assign(saved[i]));
            tf.dispose(saved);
        }
    }

    saveAsync(): Promise<NamedArray[]> {
        return readNamedArrays(this.parameters.map((p, i) => ({ name: p.name, variable: this.shadows[i] })));
    }

    load(saved: NamedArray[]): void {
        assignNamedArrays(
            this.parameters.map((p, i) => ({ name: p.name, variable: this.shadows[i] })),
            saved,
            'EMA weights',
        );
    }

    dispose(): void {
        this.shadows.forEach(v => v.dispose());
    }
}
