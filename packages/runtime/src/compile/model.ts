/** A model ready to train: its compiled program, its networks and the executor that runs them. */
import type { ModelIR } from '@gm/language';
import type { Derivation } from '@gm/language/derivation';
import type * as tf from '@tensorflow/tfjs';
import { asInputs, type Inputs } from '../data/feed.js';
import { buildNetwork } from '../nets/build.js';
import type { Network } from '../nets/network.js';
import type { Parameter } from '../nets/parameters.js';
import { compileBound } from './compile.js';
import type { Program } from './program.js';
import { TfjsExecutor } from './tfjs-executor.js';

export interface CompiledModel {
    program: Program;
    networks: Map<string, Network>;
    /** Every trainable parameter, networks in declaration order. */
    parameters: Parameter[];
    executor: TfjsExecutor;
    /** The training session's interface: the loss and terms for a batch of the inputs (the image tensor alone when there are no labels). */
    loss(batch: tf.Tensor | Inputs, step: number): { loss: tf.Scalar; terms: Record<string, tf.Scalar> };
    dispose(): void;
}

/**
 * Compiles for training: the program computes the terms of the loss (`terms: 'loss'`, the default
 * here) or every term of the bound (`terms: 'all'`).
 */
export function compileModel(model: ModelIR, derivation: Derivation, seed: number, options: { terms?: 'loss' | 'all' } = {}): CompiledModel {
    const program = compileBound(model, derivation, { terms: options.terms ?? 'loss' });
    const networks = new Map<string, Network>();
    for (const ir of model.networks) {
        const used = program.networks.find(n => n.name === ir.name);
        if (used) networks.set(ir.name, buildNetwork(ir, seed, used.inputShape));
    }
    const executor = new TfjsExecutor(program, networks, seed);
    const input = imageInput(model, program);
    return {
        program,
        networks,
        parameters: [...networks.values()].flatMap(n => n.parameters),
        executor,
        loss: (batch, step) => executor.loss(asInputs(batch, input), step),
        dispose: () => {
            executor.dispose();
            for (const n of networks.values()) n.dispose();
        },
    };
}

/** The input the images feed: the first observed variable that is not a label variable. */
export function imageInput(model: ModelIR, program: Program): string {
    const first = program.inputs.find(i => !model.variables.find(v => v.name === i.variable)?.labels) ?? program.inputs[0];
    if (!first) throw new Error(`model ${model.name} has no observed variable fed by data`);
    return first.variable;
}
