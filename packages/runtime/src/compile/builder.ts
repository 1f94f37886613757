import { SCALAR } from '@gm/language';
import { operands, type BinaryFn, type Instruction, type UnaryFn } from './program.js';

/** Constant folding, in double precision, with the registry's scalar functions. */
const UNARY: Record<UnaryFn, (x: number) => number> = SCALAR;

const BINARY: Record<BinaryFn, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
    pow: (a, b) => a ** b,
    max: Math.max,
    min: Math.min,
    less: (a, b) => (a < b ? 1 : 0),
};

/** Instructions whose value has the batch axis whatever their operands (data, noise, networks, reductions). */
const ALWAYS_BATCHED = new Set<Instruction['op']>([
    'data',
    'timestep',
    'timestep-probability',
    'normal-noise',
    'uniform-noise',
    'gamma-noise',
    'gather',
    'network',
    'concat',
    'reduce',
    'combine-replicas',
    'discretized-normal',
    'enumerate',
]);

/**
 * Emits instructions, numbering values, and reuses a value when the same instruction is emitted
 * twice (`encoder(x)[0:20]` and `encoder(x)[20:40]` call the encoder once).
 */
export class ProgramBuilder {
    readonly instructions: Instruction[] = [];
    readonly batched: boolean[] = [];
    /** Whether each value has the E·N rows of enumerated latents (until summed over them). */
    readonly enumerated: boolean[] = [];
    private readonly seen = new Map<string, number>();

    emit(instruction: Instruction): number {
        const key = JSON.stringify(instruction);
        const known = this.seen.get(key);
        if (known !== undefined) return known;
        const id = this.instructions.length;
        this.instructions.push(instruction);
        this.batched.push(ALWAYS_BATCHED.has(instruction.op) || operands(instruction).some(x => this.batched[x]));
        this.enumerated.push(instruction.op === 'enumerate' || (instruction.op !== 'sum-enumerated' && operands(instruction).some(x => this.enumerated[x])));
        this.seen.set(key, id);
        return id;
    }

    constant(value: number): number {
        return this.emit({ op: 'constant', value });
    }

    /** The number a value is, when it is a constant. */
    constantOf(id: number): number | undefined {
        const i = this.instructions[id];
        return i.op === 'constant' ? i.value : undefined;
    }

    unary(fn: UnaryFn, x: number): number {
        const c = this.constantOf(x);
        if (c !== undefined) return this.constant(UNARY[fn](c));
        return this.emit({ op: 'unary', fn, x });
    }

    binary(fn: BinaryFn, a: number, b: number): number {
        const ca = this.constantOf(a);
        const cb = this.constantOf(b);
        if (ca !== undefined && cb !== undefined) return this.constant(BINARY[fn](ca, cb));
        return this.emit({ op: 'binary', fn, a, b });
    }

    select(cond: number, a: number, b: number): number {
        const c = this.constantOf(cond);
        if (c !== undefined) return c !== 0 ? a : b;
        return this.emit({ op: 'select', cond, a, b });
    }

    stopGradient(x: number): number {
        return this.constantOf(x) !== undefined ? x : this.emit({ op: 'stop-gradient', x });
    }

    add(a: number, b: number): number {
        return this.binary('+', a, b);
    }

    sub(a: number, b: number): number {
        return this.binary('-', a, b);
    }

    mul(a: number, b: number): number {
        return this.binary('*', a, b);
    }

    div(a: number, b: number): number {
        return this.binary('/', a, b);
    }

    sum(x: number): number {
        return this.emit({ op: 'reduce', how: 'sum', x });
    }
}
