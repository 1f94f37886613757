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

/** 1 where a < b, else 0, as a draw: the gradient is zero (tfjs's Less has none, and a Bernoulli draw u < π needs one). */
const lessThan = tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
    value: tf.cast(tf.less(a, b), 'float32'),
    gradFunc: (_dy: tf.Tensor) => [tf.zerosLike(a), tf.zerosLike(b)],
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** The tf op behind each binary instruction, on operands already brought to one rank. */
const BINARY: Record<BinaryFn, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
    '+': tf.add,
    '-': tf.sub,
    '*': tf.mul,
    '/': tf.div,
    pow: tf.pow,
    max: tf.maximum,
    min: tf.minimum,
    less: (a, b) => lessThan(a, b),
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

/** The index k with Σ_{j<k} p_j ≤ u < Σ_{j≤k} p_j (the last one if rounding leaves u beyond the sum). */
function drawIndex(p: ArrayLike<number>, u: number): number {
    let total = 0;
    for (let k = 0; k < p.length; k++) {
        total += p[k]!;
        if (u < total) return k;
    }
    return p.length - 1;
}

/**
 * Brings per-example values to one number of rows: a value of N rows meets one with the E·N rows of the
 * enumerated latents by repeating it E times (see the `enumerate` instruction). Scalars are left alone.
 */
function alignRows(xs: tf.Tensor[]): tf.Tensor[] {
    const rows = Math.max(...xs.map(x => (x.rank === 0 ? 0 : x.shape[0]!)));
    return xs.map(x => toRows(x, rows));
}

/**
 * f(a, b) where one operand has N rows and the other R·N (blocks of N, as alignRows lays them out), without
 * copying the smaller one R times: [N, …] meets [R, N, …] by broadcasting. A tile of x over k = 5 000
 * importance samples took more time than the decoder on wasm.
 */
function blockBroadcast(a: tf.Tensor, b: tf.Tensor, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
    const ra = a.rank === 0 ? 0 : a.shape[0]!;
    const rb = b.rank === 0 ? 0 : b.shape[0]!;
    if (ra === 0 || rb === 0 || ra === rb) return f(a, b);
    const [small, large] = ra < rb ? [a, b] : [b, a];
    const n = small.shape[0]!;
    const blocks = (large.shape[0]! / n) | 0;
    const smallBlocked = tf.reshape(small, [1, ...small.shape]);
    const largeBlocked = tf.reshape(large, [blocks, n, ...large.shape.slice(1)]);
    const out = ra < rb ? f(smallBlocked, largeBlocked) : f(largeBlocked, smallBlocked);
    return tf.reshape(out, [blocks * n, ...out.shape.slice(2)]);
}

/** x repeated along the batch axis to `rows` rows (a multiple of its own); scalars are left alone. */
function toRows(x: tf.Tensor, rows: number): tf.Tensor {
    return x.rank === 0 || x.shape[0] === rows ? x : tf.tile(x, [rows / x.shape[0]!, ...new Array(x.rank - 1).fill(1)]);
}

/** One-hot of the arg-max over the last axis; a draw, so the gradient is zero (argMax has none in tfjs). */
const oneHotMax = tf.customGrad(((x: tf.Tensor) => ({
    value: tf.tidy(() => tf.reshape(tf.oneHot(tf.reshape(tf.argMax(x, -1), [-1]), x.shape[x.rank - 1]!), x.shape).asType('float32')),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

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
    for (const p of program.proposals ?? []) live[p.t] = live[p.value] = true;
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
    /** The probabilities p_t of importance-sampled draws of t, by proposal name (indexed by t − from). */
    private readonly proposals = new Map<string, () => ArrayLike<number> | undefined>();
    /** Per-example (t, L_t) of the last `loss` call's importance-sampled draws, kept until taken. */
    private records: { name: string; t: tf.Tensor; value: tf.Tensor }[] = [];

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

    /** Draws of t under `name` follow `probabilities()` (p_t, indexed by t − from); undefined means uniform for now. */
    setProposal(name: string, probabilities: () => ArrayLike<number> | undefined): void {
        this.proposals.set(name, probabilities);
    }

    /** The (t, L_t) pairs of the last `loss` call's importance-sampled draws; the caller disposes them. */
    takeRecords(): { name: string; t: tf.Tensor; value: tf.Tensor }[] {
        const records = this.records;
        this.records = [];
        return records;
    }

    /** The loss to minimize and each term's batch mean (what the training session reports). */
    loss(inputs: Record<string, tf.Tensor>, step: number, options: EvaluateOptions = { training: true }): { loss: tf.Scalar; terms: Record<string, tf.Scalar> } {
        const values = this.values(inputs, step, options);
        tf.dispose(this.takeRecords().flatMap(r => [r.t, r.value]));
        for (const p of this.program.proposals ?? []) this.records.push({ name: p.name, t: tf.keep(tf.clone(values[p.t])), value: tf.keep(tf.clone(values[p.value])) });
        const perExample: Record<string, tf.Tensor1D> = {};
        for (const term of this.program.terms) perExample[term.id] = values[term.value] as tf.Tensor1D;
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
        tf.dispose(this.takeRecords().flatMap(r => [r.t, r.value]));
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
                // Not replicated here: a value meets the R·B rows of the draws only where it is combined with them
                // (alignRows), so what depends on the data alone (an encoder) runs once per example, not R times.
                return x;
            }
            case 'constant':
                return tf.scalar(i.value);
            case 'timestep': {
                const rng = new Random(deriveSeed(this.seed, c.step, i.stream));
                const t = new Float32Array(c.n);
                const p = i.proposal ? this.proposals.get(i.proposal)?.() : undefined;
                if (p) for (let k = 0; k < c.n; k++) t[k] = i.from + drawIndex(p, rng.next());
                else for (let k = 0; k < c.n; k++) t[k] = i.from + rng.int(i.to - i.from + 1);
                return tf.tensor1d(t);
            }
            case 'timestep-probability': {
                const p = this.proposals.get(i.proposal)?.();
                const table = p ? Float32Array.from(p) : new Float32Array(i.to - i.from + 1).fill(1 / (i.to - i.from + 1));
                return tf.gather(tf.tensor1d(table), tf.cast(tf.sub(tf.round(v(i.index)), i.from), 'int32'));
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
                const args = alignRows(
                    i.args.map(a => {
                        const arg = this.program.instructions[a];
                        return arg.op === 'constant' ? tf.fill([c.n], arg.value) : v(a);
                    }),
                );
                const options = { training: c.training, seed: deriveSeed(this.seed, c.step, `dropout/${i.network}`) };
                if (net.timeConditioned) return net.apply(args[0], args[1], options);
                // net(x, y): the inputs side by side along the feature axis.
                return net.apply(args.length === 1 ? args[0] : concatFeatures(args, c.n), undefined, options);
            }
            case 'concat':
                return concatFeatures(alignRows(i.parts.map(a => v(a))), c.n);
            case 'unary':
                return UNARY[i.fn](v(i.x));
            case 'binary': {
                const [a, b] = [v(i.a), v(i.b)];
                const rank = Math.max(a.rank, b.rank);
                return blockBroadcast(expandTo(a, rank), expandTo(b, rank), BINARY[i.fn]);
            }
            case 'select': {
                const parts = alignRows([v(i.cond), v(i.a), v(i.b)]);
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
            case 'one-hot-max':
                return oneHotMax(v(i.x));
            case 'enumerate': {
                // Block e = ⌊row / N⌋ holds value ⌊e / every⌋ mod M for each of its rows.
                const rows = Array.from({ length: c.n * i.combinations }, (_, row) => i.table[Math.floor(Math.floor(row / c.n) / i.every) % i.table.length]!);
                return tf.reshape(tf.tensor2d(rows), [rows.length, ...i.shape]);
            }
            case 'sum-enumerated':
                return tf.sum(tf.reshape(toRows(v(i.x), i.combinations * c.n), [i.combinations, c.n]), 0);
            case 'slice': {
                const x = v(i.x);
                const begin = new Array(x.rank).fill(0);
                const size = new Array(x.rank).fill(-1);
                const axis = i.axis === 'channel' ? 1 : x.rank - 1;
                begin[axis] = i.lower;
                size[axis] = i.upper - i.lower;
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
                // A value that never met the draws (a closed-form KL of q(z | x)) is the same in every replica.
                if (v(i.x).shape[0] === c.batch) return v(i.x);
                const x = tf.reshape(v(i.x), [c.replicas, c.batch]);
                // log (1/R) Σ_r exp(x_r), stably (Burda et al. 2015, eq. 8).
                return i.how === 'mean' ? tf.mean(x, 0) : tf.sub(tf.logSumExp(x, 0), Math.log(c.replicas));
            }
            case 'discretized-normal': {
                const [x, mean, variance] = alignRows([v(i.x), v(i.mean), v(i.variance)]);
                return discretizedNormalLogLikelihood(x, mean, variance, i);
            }
        }
        throw new Error(`unknown instruction ${JSON.stringify(i)}`);
    }
}

/** Each value flattened to [n, size] (a scalar or a per-example scalar to one column) and joined along the feature axis. */
function concatFeatures(parts: tf.Tensor[], n: number): tf.Tensor {
    // The rows of the (aligned) per-example parts; `n` only when every part is a scalar.
    const rows = parts.find(p => p.rank > 0)?.shape[0] ?? n;
    return tf.concat(
        parts.map(p => (p.rank === 0 ? tf.broadcastTo(tf.reshape(p, [1, 1]), [rows, 1]) : tf.reshape(p, [rows, -1]))),
        -1,
    );
}
