/**
 * Named, seeded parameters. Every network keeps its tf.Variables here in creation order, so that
 * they can be listed, counted, saved and restored by name. Initial values are drawn on the host from
 * a generator seeded by (seed, parameter name): the same on every backend and independent of the
 * order in which networks are built.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../rng/seeds.js';
import { Random } from '../rng/random.js';

export interface Parameter {
    /** Unique within a model: `decoder/dense1/kernel`. */
    name: string;
    variable: tf.Variable;
}

/** How a parameter's initial values are drawn. */
export type Init =
    /** U(−bound, bound): PyTorch's default for Linear and Conv (bound = 1/√fan_in). */
    { kind: 'uniform'; bound: number } | { kind: 'zeros' } | { kind: 'ones' };

/** PyTorch's default initialization of Linear/Conv weights and biases: U(−1/√fan_in, 1/√fan_in). */
export function pytorchDefault(fanIn: number): Init {
    return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/**
 * Glorot/Xavier uniform scaled by `scale` (Ho et al. 2020's `variance_scaling(scale, 'fan_avg', 'uniform')`):
 * U(−b, b) with b = √(3 · scale / ((fan_in + fan_out) / 2)).
 */
export function varianceScalingFanAvg(fanIn: number, fanOut: number, scale = 1): Init {
    return { kind: 'uniform', bound: Math.sqrt((3 * scale) / ((fanIn + fanOut) / 2)) };
}

export class ParameterStore {
    constructor(
        readonly seed: number,
        readonly prefix: string,
        readonly parameters: Parameter[] = [],
    ) {}

    create(name: string, shape: number[], init: Init): tf.Variable {
        const full = `${this.prefix}/${name}`;
        if (this.parameters.some(p => p.name === full)) throw new Error(`parameter ${full} is created twice`);
        const size = shape.reduce((a, b) => a * b, 1);
        const values = new Float32Array(size);
        if (init.kind === 'ones') values.fill(1);
        else if (init.kind === 'uniform') {
            const rng = new Random(deriveSeed(this.seed, 0, full));
            for (let i = 0; i < size; i++) values[i] = (2 * rng.next() - 1) * init.bound;
        }
        // tfjs needs globally unique variable names; ours live in `Parameter.name`, so let tfjs pick.
        const variable = tf.variable(tf.tensor(values, shape, 'float32'), true);
        this.parameters.push({ name: full, variable });
        return variable;
    }

    /** A child store whose names are prefixed with `name/`, sharing this list. */
    scope(name: string): ParameterStore {
        return new ParameterStore(this.seed, `${this.prefix}/${name}`, this.parameters);
    }
}

export function countParameters(parameters: Parameter[]): number {
    return parameters.reduce((n, p) => n + p.variable.size, 0);
}
