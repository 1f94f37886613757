/**
 * Runs a training program with TensorFlow.js: each instruction becomes tf ops, noise is drawn from
 * seeds derived from (seed, step, stream), networks are the ones built from the model. The result is
 * every term's per-example value, and the loss −Σ sign · w(step) · mean(value).
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../nets/network.js';
import { deriveSeed } from '../rng/seeds.js';
import { Random } from '../rng/random.js';
import { operands, termWeight, type BinaryFn, type Instruction, type Program, type UnaryFn } from './program.js';

export interface EvaluateOptions {
    /** Dropout and other training-only behaviour. */
    training?: boolean;
    /** The batch size when the program reads no data (sampling from the prior). */
    batch?: number;
}

/** The tf op behind each unary instruction. */
const UNARY: Record<UnaryFn, (x: tf.Tensor) => tf.Tensor> = {
    exp: tf.exp,
    log: tf.log,
    sqrt: tf.sqrt,
    sigmoid: tf.sigmoid,
    softplus: tf.softplus,
    tanh: tf.tanh,
    neg: tf.neg,
    square: tf.square,
    abs: tf.abs,
    erf: tf.erf,
    round: tf.round,
};

/** The tf op behind each binary instruction, on operands already brought to one rank. */
const BINARY: Record<BinaryFn, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
    '+': tf.add,
    '-': tf.sub,
    '*': tf.mul,
    '/': tf.div,
    pow: tf.pow,
    max: tf.maximum,
    min: tf.minimum,
    less: (a, b) => tf.cast(tf.less(a, b), 'float32'),
};

/** Makes a per-example tensor [N] (or [N, …] of lower rank) broadcast against one of rank `rank`. */
function expandTo(x: tf.Tensor, rank: number): tf.Tensor {
    if (x.rank === 0 || x.rank >= rank) return x;
    return tf.reshape(x, [...x.shape, ...new Array(rank - x.rank).fill(1)]);
}

/** Φ(z), the standard normal CDF. */
function normalCdf(z: tf.Tensor): tf.Tensor {
    return tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
}

/**
 * Ho et al. (2020, eq. 13) as in their code (`discretized_gaussian_log_likelihood`): the first bin
 * takes log Φ(upper edge), the last log(1 − Φ(lower edge)), the others log of the mass between the
 * edges, each floored at 1e−12. Masses in the upper tail are taken from Φ(−z) to keep precision.
 */
export function discretizedNormalLogLikelihood(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, o: { low: number; high: number; bins: number }): tf.Tensor {
    const half = (o.high - o.low) / (o.bins - 1) / 2;
    const sd = tf.sqrt(expandTo(variance, x.rank));
    const centered = tf.sub(x, expandTo(mean, x.rank));
    const upper = tf.div(tf.add(centered, half), sd);
    const lower = tf.div(tf.sub(centered, half), sd);
    const floor = (p: tf.Tensor) => tf.log(tf.maximum(p, 1e-12));
    const between = tf.where(tf.greater(lower, 0), tf.sub(normalCdf(tf.neg(lower)), normalCdf(tf.neg(upper))), tf.sub(normalCdf(upper), normalCdf(lower)));
    const logP = tf.where(tf.lessEqual(x, o.low + half), floor(normalCdf(upper)), tf.where(tf.greaterEqual(x, o.high - half), floor(normalCdf(tf.neg(lower))), floor(between)));
    return x.rank === 1
        ? logP
        : tf.sum(
              logP,
              Array.from({ length: x.rank - 1 }, (_, k) => k + 1),
          );
}

/** x in the forward pass, a zero gradient in the backward pass (tfjs has no stop_gradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);

/** The shape two shapes broadcast to (numpy's rules, trailing axes aligned). */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, k) => {
        const x = a[a.length - n + k] ?? 1,
            y = b[b.length - n + k] ?? 1;
        return x === 1 ? y : x;
    });
}

/** The values a program's terms and outputs depend on (instructions are in dependency order). */
export function liveInstructions(program: Program): boolean[] {
    const live = new Array<boolean>(program.instructions.length).fill(false);
    for (const t of program.terms) live[t.value] = true;
    for (const id of Object.values(program.outputs ?? {})) live[id] = true;
    for (let id = program.instructions.length - 1; id >= 0; id--) {
        if (!live[id]) continue;
        for (const u of operands(program.instructions[id])) live[u] = true;
    }
    return live;
}

export class TfjsExecutor {
    /** Coefficient tables as tensors, created once (kept out of every tidy). */
    private readonly tables = new Map<number, tf.Tensor1D>();
    /** Instructions that a term or an output depends on; the others are skipped. */
    private readonly live: boolean[];

    constructor(
        readonly program: Program,
        readonly networks: Map<string, Network>,
        readonly seed: number,
    ) {
        program.instructions.forEach((i, id) => {
            if (i.op === 'gather') this.tables.set(id, tf.keep(tf.tensor1d(Float32Array.from(i.table, v => (v === null ? NaN : v)))));
        });
        for (const n of program.networks) if (!networks.has(n.name)) throw new Error(`program ${program.model} calls network ${n.name}, which was not built`);
        this.live = liveInstructions(program);
    }

    /**
     * Every term's per-example value [B] for a batch of each observed variable. Tensors are created
     * in the caller's scope (call inside tf.tidy or tf.variableGrads).
     */
    evaluate(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions = {}): Record<string, tf.Tensor1D> {
        const values = this.values(inputs, step, options);
        const out: Record<string, tf.Tensor1D> = {};
        for (const term of this.program.terms) out[term.id] = values[term.value] as tf.Tensor1D;
        return out;
    }

    /** The program's named outputs (samplers). `options.batch` sizes a program without data inputs. */
    outputs(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions = {}): Record<string, tf.Tensor> {
        const values = this.values(inputs, step, options);
        const out: Record<string, tf.Tensor> = {};
        for (const [name, id] of Object.entries(this.program.outputs ?? {})) out[name] = values[id];
        return out;
    }

    /** Every value of the program by id (undefined where nothing reads it): a test feeds the same draws to another target. */
    valuesOf(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions = {}): tf.Tensor[] {
        return this.values(inputs, step, options);
    }

    private values(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions): tf.Tensor[] {
        const firstInput = this.program.inputs[0]?.variable;
        const first = firstInput ? inputs[firstInput] : undefined;
        const batch = first ? first.shape[0] : options.batch;
        if (batch === undefined) throw new Error(`no batch for the observed variable ${firstInput}`);
        const replicas = this.program.replicas;
        const n = batch * replicas;
        const values: tf.Tensor[] = [];
        const context = { batch, replicas, n, step, training: options.training ?? false };
        this.program.instructions.forEach((instruction, id) => {
            // A skipped value is never read: only live instructions read values, and only live ones.
            values.push(this.live[id] ? this.run(instruction, id, values, inputs, context) : (undefined as unknown as tf.Tensor));
        });
        return values;
    }

    /** The loss to minimize and each term's batch mean (what the training session reports). */
    loss(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions = { training: true }): { loss: tf.Scalar; terms: Record<string, tf.Scalar> } {
        const perExample = this.evaluate(inputs, step, options);
        const terms: Record<string, tf.Scalar> = {};
        let objective: tf.Scalar = tf.scalar(0);
        for (const term of this.program.terms) {
            const mean = tf.mean(perExample[term.id]) as tf.Scalar;
            terms[term.id] = mean;
            const w = termWeight(term, step);
            if (w !== 0) objective = tf.add(objective, tf.mul(mean, term.sign * w)) as tf.Scalar;
        }
        return { loss: tf.neg(objective) as tf.Scalar, terms };
    }

    dispose(): void {
        for (const t of this.tables.values()) t.dispose();
    }

    private run(
        i: Instruction,
        id: number,
        values: tf.Tensor[],
        inputs: Record<string, tf.Tensor>,
        c: { batch: number; replicas: number; n: number; step: number; training: boolean },
    ): tf.Tensor {
        const v = (k: number) => values[k];
        switch (i.op) {
            case 'data': {
                const x = inputs[i.variable];
                if (!x) throw new Error(`no batch for the observed variable ${i.variable}`);
                if (x.shape[0] !== c.batch) throw new Error(`the batches of the observed variables differ in size`);
                return c.replicas === 1 ? x : tf.tile(x, [c.replicas, ...new Array(x.rank - 1).fill(1)]);
            }
            case 'constant':
                return tf.scalar(i.value);
            case 'timestep': {
                const rng = new Random(deriveSeed(this.seed, c.step, i.stream));
                const t = new Float32Array(c.n);
                for (let k = 0; k < c.n; k++) t[k] = i.from + rng.int(i.to - i.from + 1);
                return tf.tensor1d(t);
            }
            case 'normal-noise':
                return tf.randomNormal([c.n, ...i.shape], 0, 1, 'float32', deriveSeed(this.seed, c.step, i.stream));
            case 'uniform-noise':
                return tf.randomUniform([c.n, ...i.shape], i.low, i.high, 'float32', deriveSeed(this.seed, c.step, i.stream));
            case 'gamma-noise':
                return tf.randomGamma([c.n, ...i.shape], i.alpha, 1, 'float32', deriveSeed(this.seed, c.step, i.stream));
            case 'gather':
                return tf.gather(this.tables.get(id)!, tf.cast(tf.sub(tf.round(v(i.index)), i.offset), 'int32'));
            case 'network': {
                const net = this.networks.get(i.network)!;
                // A constant argument (t = 1 in L_0) becomes one value per example; read from the program, not the device.
                const args = i.args.map(a => {
                    const arg = this.program.instructions[a];
                    return arg.op === 'constant' ? tf.fill([c.n], arg.value) : v(a);
                });
                const options = { training: c.training, seed: deriveSeed(this.seed, c.step, `dropout/${i.network}`) };
                if (net.timeConditioned) return net.apply(args[0], args[1], options);
                return net.apply(args.length === 1 ? args[0] : tf.concat(args, -1), undefined, options);
            }
            case 'unary':
                return UNARY[i.fn](v(i.x));
            case 'binary': {
                const rank = Math.max(v(i.a).rank, v(i.b).rank);
                return BINARY[i.fn](expandTo(v(i.a), rank), expandTo(v(i.b), rank));
            }
            case 'select': {
                const parts = [v(i.cond), v(i.a), v(i.b)];
                const rank = Math.max(...parts.map(p => p.rank));
                const [cond, a, b] = parts.map(p => expandTo(p, rank));
                const shape = [cond, a, b].reduce<number[]>((s, p) => broadcastShape(s, p.shape), []);
                const full = (p: tf.Tensor) => (p.shape.join() === shape.join() ? p : tf.broadcastTo(p, shape));
                return tf.where(tf.cast(full(cond), 'bool'), full(a), full(b));
            }
            case 'log-softmax':
                return tf.logSoftmax(v(i.x));
            case 'stop-gradient':
                return stopGradient(v(i.x));
            case 'slice': {
                const x = v(i.x);
                const begin = new Array(x.rank).fill(0);
                const size = new Array(x.rank).fill(-1);
                begin[x.rank - 1] = i.lower;
                size[x.rank - 1] = i.upper - i.lower;
                return tf.slice(x, begin, size);
            }
            case 'reduce': {
                const x = v(i.x);
                if (x.rank === 0) throw new Error(`program ${this.program.model}: a ${i.how} over a value that does not depend on the example`);
                if (x.rank === 1) return x;
                const axes = Array.from({ length: x.rank - 1 }, (_, k) => k + 1);
                return i.how === 'sum' ? tf.sum(x, axes) : tf.mean(x, axes);
            }
            case 'combine-replicas': {
                const x = tf.reshape(v(i.x), [c.replicas, c.batch]);
                // log (1/R) Σ_r exp(x_r), stably (Burda et al. 2015, eq. 8).
                return i.how === 'mean' ? tf.mean(x, 0) : tf.sub(tf.logSumExp(x, 0), Math.log(c.replicas));
            }
            case 'discretized-normal':
                return discretizedNormalLogLikelihood(v(i.x), v(i.mean), v(i.variance), i);
        }
        throw new Error(`unknown instruction ${JSON.stringify(i)}`);
    }
}
