import * as tf from '@tensorflow/tfjs';

/** A tensor's values on the host, by name: what checkpoints store. */
export interface NamedArray {
    name: string;
    shape: number[];
    values: Float32Array;
}

/** Reads variables to the host asynchronously (the only way on WebGPU under Node, where dataSync throws). */
export async function readNamedArrays(entries: { name: string; variable: tf.Variable }[]): Promise<NamedArray[]> {
    return Promise.all(entries.map(async ({ name, variable }) => ({ name, shape: [...variable.shape], values: Float32Array.from((await variable.data()) as Float32Array) })));
}

/**
 * Assigns saved values to variables by name. Every variable must be found with the same shape:
 * a checkpoint of another model (or another version of it) is an error, never a partial load.
 */
export function assignNamedArrays(entries: { name: string; variable: tf.Variable }[], saved: NamedArray[], what: string): void {
    const byName = new Map(saved.map(s => [s.name, s]));
    for (const { name, variable } of entries) {
        const s = byName.get(name);
        if (!s) throw new Error(`${what}: the checkpoint has no ${name}`);
        if (s.shape.join() !== variable.shape.join())
            throw new Error(`${what}: ${name} has shape [${s.shape.join(', ')}] in the checkpoint, [${variable.shape.join(', ')}] in the model`);
    }
    for (const { name, variable } of entries) {
        const s = byName.get(name)!;
        variable.assign(tf.tensor(s.values, s.shape, 'float32'));
    }
}
