import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';
import type { Optimizer } from './optimizer.js';
import { Slots } from './slots.js';

/**
 * What every optimizer here shares: a step count and per-parameter slots, saved and restored the
 * same way, and one update loop. Each optimizer writes only its update rule, `update`.
 */
export abstract class SlotOptimizer implements Optimizer {
    abstract readonly name: string;
    /** Updates applied so far; `update` reads it as the current step (1 on the first update). */
    protected t = 0;
    protected readonly slots: Slots;

    constructor(
        readonly parameters: Parameter[],
        slotKinds: string[],
    ) {
        this.slots = new Slots(parameters, slotKinds);
    }

    get iterations(): number {
        return this.t;
    }

    /** Updates parameter `i` (`p`) from its gradient `g`; runs inside a `tf.tidy` of its own. */
    protected abstract update(p: Parameter, g: tf.Tensor, i: number, lr: number): void;

    apply(grads: tf.Tensor[], lr: number): void {
        this.t += 1;
        // One tidy per parameter: an update's temporaries are freed before the next parameter's.
        this.parameters.forEach((p, i) => tf.tidy(() => this.update(p, grads[i], i, lr)));
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
