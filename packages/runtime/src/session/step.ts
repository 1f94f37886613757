import * as tf from '@tensorflow/tfjs';
import type { TrainIR } from '@gm/language';
import { clipByGlobalNorm, learningRate, type Optimizer } from '../optim/index.js';
import type { TrainingProgram } from './program.js';
import type { Inputs } from '../data/feed.js';

export interface StepResult {
    loss: number;
    terms: Record<string, number>;
}

/** A term or the loss that is not a finite number, with the step where it happened. */
export class NonFiniteLossError extends Error {
    constructor(
        readonly step: number,
        readonly term: string,
        readonly value: number,
    ) {
        super(`the ${term === 'loss' ? 'loss' : `term '${term}'`} became ${value} at step ${step}; training stopped without saving it.`);
    }
}

/**
 * One optimization step: loss and gradients, the non-finite guard (before anything is applied),
 * clipping, the learning-rate schedule and the update. Every intermediate tensor is disposed.
 */
export async function trainStep(program: TrainingProgram, optimizer: Optimizer, train: TrainIR, batch: tf.Tensor | Inputs, step: number): Promise<StepResult> {
    const termTensors: Record<string, tf.Scalar> = {};
    const variables = program.parameters.map(p => p.variable);
    const { value, grads } = tf.variableGrads(() => {
        const { loss, terms } = program.loss(batch, step);
        for (const [name, t] of Object.entries(terms)) termTensors[name] = tf.keep(t);
        return loss;
    }, variables);
    let updated = false;
    try {
        const names = Object.keys(termTensors);
        const values = await Promise.all([value.data(), ...names.map(n => termTensors[n]!.data())]);
        const loss = values[0]![0]!;
        const terms: Record<string, number> = {};
        names.forEach((n, i) => {
            terms[n] = values[i + 1]![0]!;
        });
        for (const [name, v] of Object.entries(terms)) if (!Number.isFinite(v)) throw new NonFiniteLossError(step, name, v);
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, 'loss', loss);
        const ordered = variables.map(v => grads[v.name]!);
        tf.tidy(() => {
            const applied = train.clip !== undefined ? clipByGlobalNorm(ordered, train.clip).grads : ordered;
            optimizer.apply(applied, learningRate(train, step));
        });
        updated = true;
        return { loss, terms };
    } finally {
        tf.dispose([value, ...Object.values(grads), ...Object.values(termTensors)]);
        await program.afterStep?.(updated);
    }
}
