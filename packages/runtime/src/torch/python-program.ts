/**
 * A program as Python: one line per instruction, `vN = …` for value N, in the program's order. The
 * values that more than one term reads (the sampling plan's draws, a network called for two terms)
 * are computed once in `sample(ctx)`; each term of the bound is a function of them whose docstring
 * is the term as the hover shows it. Noise, data and networks come from `ctx` (`gm_torch/context.py`).
 */
import type { NetworkIR } from '@gm/language';
import { operands, type Instruction, type Program } from '../compile/program.js';
import { liveInstructions } from '../compile/tfjs-executor.js';
import { valueBlocks, valueRanks } from './ranks.js';

/** A JavaScript number as a Python float literal. */
export function pyNumber(v: number | null): string {
    if (v === null || Number.isNaN(v)) return 'math.nan';
    if (v === Infinity) return 'math.inf';
    if (v === -Infinity) return '-math.inf';
    const s = String(v);
    return /[.eE]/.test(s) ? s : `${s}.0`;
}

export const pyString = (s: string) => JSON.stringify(s);

const UNARY: Record<string, (a: string) => string> = {
    exp: a => `torch.exp(${a})`,
    log: a => `torch.log(${a})`,
    sqrt: a => `torch.sqrt(${a})`,
    sigmoid: a => `torch.sigmoid(${a})`,
    softplus: a => `F.softplus(${a})`,
    tanh: a => `torch.tanh(${a})`,
    neg: a => `-${a}`,
    square: a => `torch.square(${a})`,
    abs: a => `torch.abs(${a})`,
    erf: a => `torch.erf(${a})`,
    round: a => `torch.round(${a})`,
};

/** A Python function name for a term id: `kl(z)` → `kl_z`, `L_t-1` → `L_t_minus_1`. */
export function termFunctionName(id: string, taken: Set<string>): string {
    let name = id
        .replace(/-/g, '_minus_')
        .replace(/[^A-Za-z0-9_]+/g, '_')
        .replace(/^_+|_+$/g, '');
    if (!/^[A-Za-z]/.test(name)) name = `term_${name}`;
    let unique = name;
    for (let k = 2; taken.has(unique); k++) unique = `${name}_${k}`;
    taken.add(unique);
    return unique;
}

export interface TermDoc {
    /** The term as written in the bound, and its closed form or estimator, one line each. */
    lines: string[];
}

/** Python source of a docstring body, indented; backslashes and quotes kept literal. */
function docstring(lines: string[], indent: string): string {
    const body = lines.map(l => l.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"'));
    return `${indent}"""${body.map((l, k) => (k > 0 && l ? indent + l : l)).join('\n')}\n${indent}"""`;
}

class Emitter {
    readonly ranks: number[];
    readonly blocks: number[];
    readonly tables: string[] = [];
    constructor(
        readonly program: Program,
        networks: NetworkIR[],
        /** Which values live in `s` (shared), by id. */
        readonly shared: Set<number>,
    ) {
        this.ranks = valueRanks(program, networks);
        this.blocks = valueBlocks(program);
    }

    ref(id: number): string {
        const i = this.program.instructions[id]!;
        if (i.op === 'constant') return pyNumber(i.value);
        return this.shared.has(id) ? `s.v${id}` : `v${id}`;
    }

    /** `id`'s rows repeated to the E·N rows of `blocks` (a value of N rows meeting enumerated latents); scalars as they are. */
    rows(id: number, blocks: number): string {
        const b = this.blocks[id]!;
        return this.ranks[id] === 0 || b === blocks ? this.ref(id) : `ops.repeat_rows(${this.ref(id)}, ${blocks / b})`;
    }

    /** `id`'s value brought to `rank` (a per-example [B] against [B, …]) and to the rows of value `of`; scalars broadcast as they are. */
    at(id: number, rank: number, of: number): string {
        const r = this.ranks[id]!;
        const rows = this.rows(id, this.blocks[of]!);
        return r === 0 || r >= rank ? rows : `ops.expand(${rows}, ${rank})`;
    }

    expression(i: Instruction, id: number): string {
        const rank = this.ranks[id]!;
        switch (i.op) {
            case 'data':
                return `ctx.data(${pyString(i.variable)})`;
            case 'constant':
                return pyNumber(i.value);
            case 'timestep':
                return `ctx.timestep(${i.from}, ${i.to}, ${pyString(i.stream)}${i.proposal ? `, proposal=${pyString(i.proposal)}` : ''})`;
            case 'timestep-probability':
                return `ctx.timestep_probability(${pyString(i.proposal)}, ${i.from}, ${i.to}, ${this.ref(i.index)})`;
            case 'normal-noise':
                return `ctx.normal(${pyString(i.stream)}, [${i.shape.join(', ')}])`;
            case 'uniform-noise':
                return `ctx.uniform(${pyString(i.stream)}, [${i.shape.join(', ')}], ${pyNumber(i.low)}, ${pyNumber(i.high)})`;
            case 'gamma-noise':
                return `ctx.gamma(${pyString(i.stream)}, [${i.shape.join(', ')}], ${pyNumber(i.alpha)})`;
            case 'gather': {
                const name = `TABLE_${id}`;
                this.tables.push(`${name} = (${i.table.map(pyNumber).join(', ')})`);
                return `ctx.gather(${name}, ${i.offset}, ${this.ref(i.index)})`;
            }
            case 'network':
                return `ctx.net(${[pyString(i.network), ...i.args.map(a => this.rows(a, this.blocks[id]!))].join(', ')})`;
            case 'concat':
                return `ctx.concat(${i.parts.map(a => this.rows(a, this.blocks[id]!)).join(', ')})`;
            case 'enumerate': {
                const name = `VALUES_${id}`;
                this.tables.push(`${name} = (${i.table.map(row => `(${row.map(pyNumber).join(', ')},)`).join(', ')},)`);
                return `ctx.enumerate(${name}, [${i.shape.join(', ')}], ${i.every}, ${i.combinations})`;
            }
            case 'sum-enumerated':
                return `ctx.sum_enumerated(${this.ref(i.x)}, ${i.combinations})`;
            case 'one-hot-max':
                return `ops.one_hot_max(${this.ref(i.x)})`;
            case 'unary':
                return UNARY[i.fn]!(this.ref(i.x));
            case 'binary': {
                const [a, b] = [this.at(i.a, rank, id), this.at(i.b, rank, id)];
                const constA = this.program.instructions[i.a]!.op === 'constant';
                const constB = this.program.instructions[i.b]!.op === 'constant';
                switch (i.fn) {
                    case '+':
                    case '-':
                    case '*':
                    case '/':
                        return `${a} ${i.fn} ${b}`;
                    case 'pow':
                        return `${a} ** ${b}`;
                    case 'max':
                    case 'min': {
                        const bound = i.fn === 'max' ? 'min' : 'max';
                        if (constB) return `torch.clamp(${a}, ${bound}=${b})`;
                        if (constA) return `torch.clamp(${b}, ${bound}=${a})`;
                        return `torch.${i.fn === 'max' ? 'maximum' : 'minimum'}(${a}, ${b})`;
                    }
                    case 'less':
                        return `(${a} < ${b}).float()`;
                }
                break;
            }
            case 'select':
                return `ops.where(${this.at(i.cond, rank, id)}, ${this.at(i.a, rank, id)}, ${this.at(i.b, rank, id)})`;
            case 'log-softmax':
                return `torch.log_softmax(${this.ref(i.x)}, dim=-1)`;
            case 'stop-gradient':
                return `${this.ref(i.x)}.detach()`;
            case 'slice':
                return i.axis === 'channel' ? `${this.ref(i.x)}[:, ${i.lower}:${i.upper}]` : `${this.ref(i.x)}[..., ${i.lower}:${i.upper}]`;
            case 'reduce': {
                const r = this.ranks[i.x]!;
                if (r === 0) throw new Error(`program ${this.program.model}: a ${i.how} over a value that does not depend on the example`);
                if (r === 1) return this.ref(i.x);
                return `${this.ref(i.x)}.${i.how}(dim=(${Array.from({ length: r - 1 }, (_, k) => k + 1).join(', ')}${r === 2 ? ',' : ''}))`;
            }
            case 'combine-replicas':
                return `ctx.combine_replicas(${pyString(i.how)}, ${this.ref(i.x)})`;
            case 'discretized-normal':
                return `ops.discretized_normal(${this.ref(i.x)}, ${this.ref(i.mean)}, ${this.ref(i.variance)}, ${pyNumber(i.low)}, ${pyNumber(i.high)}, ${i.bins})`;
        }
        throw new Error(`the PyTorch target does not support ${(i as { op: string }).op} yet (${this.program.model})`);
    }

    line(id: number, indent: string): string {
        const i = this.program.instructions[id]!;
        return `${indent}${this.ref(id)} = ${this.expression(i, id)}`;
    }
}

/** Which terms (by index) and outputs read each value. */
function readers(program: Program): Set<string>[] {
    const by = program.instructions.map(() => new Set<string>());
    const mark = (root: number, who: string) => {
        const stack = [root];
        while (stack.length) {
            const id = stack.pop()!;
            if (by[id]!.has(who)) continue;
            by[id]!.add(who);
            stack.push(...operands(program.instructions[id]!));
        }
    };
    program.terms.forEach((t, k) => mark(t.value, `term${k}`));
    for (const [name, id] of Object.entries(program.outputs ?? {})) mark(id, `out:${name}`);
    // Importance-sampled t: the trainer reads (t, L_t) back from the shared values after each step.
    for (const p of program.proposals ?? []) [p.t, p.value].forEach(id => mark(id, `proposal:${p.name}`));
    return by;
}

const DRAWS = new Set<Instruction['op']>(['data', 'timestep', 'normal-noise', 'uniform-noise', 'gamma-noise']);

export interface ProgramModuleOptions {
    /** The module's docstring, one line each. */
    title: string[];
    networks: NetworkIR[];
    /** The docstring of each term by id (the hover's text). */
    termDocs?: Map<string, string[]>;
}

/**
 * A Python module for a program: `sample(ctx)`, one function per term and `TERMS` (a bound), or
 * `run(ctx)` returning the named outputs (a sampler).
 */
export function programModule(program: Program, o: ProgramModuleOptions): string {
    const live = liveInstructions(program);
    const read = readers(program);
    const shared = new Set<number>();
    program.instructions.forEach((i, id) => {
        if (!live[id] || i.op === 'constant') return;
        if (DRAWS.has(i.op) || read[id]!.size > 1 || program.terms.length === 0) shared.add(id);
    });
    const e = new Emitter(program, o.networks, shared);
    const out: string[] = [];
    const sampleLines = [...shared].sort((a, b) => a - b).map(id => e.line(id, '    '));
    out.push(
        program.terms.length > 0
            ? 'def sample(ctx):\n    """The draws of the sampling plan, and the values that more than one term reads."""'
            : 'def run(ctx):\n    """The program\'s outputs by name."""',
    );
    out.push('    s = Values()', ...sampleLines);
    if (program.terms.length === 0) {
        out.push(
            `    return {${Object.entries(program.outputs ?? {})
                .map(([name, id]) => `${pyString(name)}: ${e.ref(id)}`)
                .join(', ')}}`,
        );
    } else {
        out.push('    return s');
    }
    const taken = new Set(['sample', 'run', 'ctx', 's']);
    const entries: string[] = [];
    program.terms.forEach((term, k) => {
        const fn = termFunctionName(term.id, taken);
        const doc = o.termDocs?.get(term.id) ?? [term.id];
        const own = program.instructions.map((_, id) => id).filter(id => live[id] && !shared.has(id) && read[id]!.has(`term${k}`) && program.instructions[id]!.op !== 'constant');
        out.push('', '', `def ${fn}(s, ctx):`, docstring([...doc, '', `Per example [B], in nats; sign ${term.sign > 0 ? '+' : '−'} in the ELBO.`], '    '));
        out.push(...own.map(id => e.line(id, '    ')));
        out.push(`    return ${e.ref(term.value)}`);
        const warmup = term.weight.warmup !== undefined ? String(term.weight.warmup) : 'None';
        entries.push(
            `    Term(${pyString(term.id)}, ${fn}, sign=${term.sign}, in_bound=${term.inBound ? 'True' : 'False'}, weight=${pyNumber(term.weight.value)}, warmup=${warmup}),`,
        );
    });
    if (program.proposals?.length) {
        out.push(
            '',
            '',
            '# Importance-sampled draws of t (Nichol & Dhariwal 2021, §3.3): the shared values of t and of L_t before its 1/p_t weight.',
            'PROPOSALS = [',
            ...program.proposals.map(
                p =>
                    `    Proposal(${pyString(p.name)}, ${p.from}, ${p.to}, history=${p.history}, uniform_floor=${pyNumber(p.uniformFloor)}, t=${pyString(`v${p.t}`)}, value=${pyString(`v${p.value}`)}),`,
            ),
            ']',
        );
    }
    if (program.terms.length > 0)
        out.push('', '', '# The terms of the bound: ELBO = Σ sign · term; the loss is −Σ sign · weight(step) · mean(term).', 'TERMS = [', ...entries, ']');
    const header = [
        docstring(o.title, ''),
        'import math',
        '',
        'import torch',
        'import torch.nn.functional as F',
        '',
        'from gm_torch import ops',
        `from gm_torch.program import ${program.proposals?.length ? 'Proposal, ' : ''}${program.terms.length > 0 ? 'Term, ' : ''}Values`,
        '',
        `INPUTS = {${program.inputs.map(i => `${pyString(i.variable)}: [${i.shape.join(', ')}]`).join(', ')}}`,
        `REPLICAS = ${program.replicas}`,
        `DIMENSIONS = ${program.dimensions}`,
        ...e.tables,
    ];
    return [...header, '', '', ...out, ''].join('\n');
}
