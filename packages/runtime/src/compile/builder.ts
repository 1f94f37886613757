import type { BinaryFn, Instruction, UnaryFn } from './program.js';

/** Constant folding, in double precision. */
const UNARY: Record<UnaryFn, (x: number) => number> = {
    exp: Math.exp,
    log: Math.log,
    sqrt: Math.sqrt,
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    softplus: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))),
    tanh: Math.tanh,
    neg: (x) => -x,
    square: (x) => x * x,
    abs: Math.abs,
};

const BINARY: Record<BinaryFn, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
    pow: (a, b) => a ** b,
};

/**
 * Emits instructions, numbering values, and reuses a value when the same instruction is emitted
 * twice (`encoder(x)[0:20]` and `encoder(x)[20:40]` call the encoder once).
 */
export class ProgramBuilder {
    readonly instructions: Instruction[] = [];
    readonly batched: boolean[] = [];
    private readonly seen = new Map<string, number>();

    emit(instruction: Instruction): number {
        const key = JSON.stringify(instruction);
        const known = this.seen.get(key);
        if (known !== undefined) return known;
        const id = this.instructions.length;
        this.instructions.push(instruction);
        this.batched.push(this.isBatched(instruction));
        this.seen.set(key, id);
        return id;
    }

    private isBatched(i: Instruction): boolean {
        switch (i.op) {
            case 'constant':
                return false;
            case 'unary':
            case 'slice':
                return this.batched[i.x];
            case 'binary':
                return this.batched[i.a] || this.batched[i.b];
            default:
                return true;
        }
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
