import * as tf from '@tensorflow/tfjs';
import { assignNamedArrays, readNamedArrays, type NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';

/** Per-parameter state variables of an optimizer (`kind` = 'm', 'v', 'momentum' …), zero at the start. */
export class Slots {
    readonly byKind = new Map<string, tf.Variable[]>();

    constructor(
        readonly parameters: Parameter[],
        kinds: string[],
    ) {
        for (const kind of kinds)
            this.byKind.set(
                kind,
                parameters.map(p => tf.variable(tf.zerosLike(p.variable), false)),
            );
    }

    get(kind: string): tf.Variable[] {
        return this.byKind.get(kind)!;
    }

    private named(): { name: string; variable: tf.Variable }[] {
        const out: { name: string; variable: tf.Variable }[] = [];
        for (const [kind, vars] of this.byKind) vars.forEach((variable, i) => out.push({ name: `${this.parameters[i].name}/${kind}`, variable }));
        return out;
    }

    saveAsync(): Promise<NamedArray[]> {
        return readNamedArrays(this.named());
    }

    load(saved: NamedArray[], what: string): void {
        assignNamedArrays(this.named(), saved, what);
    }

    dispose(): void {
        for (const vars of this.byKind.values()) vars.forEach(v => v.dispose());
    }
}
