/**
 * Flags declared once, in a table per command (name → type, default, help, bounds): the table
 * drives parsing, validation and the help text, so a flag that is accepted is also documented and
 * read. A value is taken after `--name` or as `--name=value`, also when it starts with a dash
 * (`--batch -5` is then refused by name, not taken for a flag).
 */
import * as fs from 'node:fs';

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** `--help` or `-h` anywhere: print the command's help, exit code 0. */
export class HelpRequested extends Error {}

interface Common {
    help: string;
    /** What the default is, in words, when no literal default applies (e.g. "the model's train block"). */
    defaultText?: string;
}

export type FlagSpec =
    | (Common & { type: 'boolean' })
    | (Common & { type: 'string'; value: string; default?: string })
    | (Common & { type: 'integer'; value: string; min: number; max?: number; default?: number })
    | (Common & { type: 'number'; value: string; min?: number; max?: number; default?: number })
    | (Common & { type: 'choice'; choices: readonly string[]; default?: string });

export type FlagTable = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'integer' | 'number' }
      ? S extends { default: number }
          ? number
          : number | undefined
      : S extends { type: 'choice'; choices: readonly (infer C)[] }
        ? S extends { default: string }
            ? C
            : C | undefined
        : S extends { default: string }
          ? string
          : string | undefined;

export type FlagValues<T extends FlagTable> = { [K in keyof T]: ValueOf<T[K]> };

/** A command of `gm`: its synopsis, its flags and what it does with them. */
export interface CommandSpec<T extends FlagTable = FlagTable> {
    name: string;
    /** One line for `gm help`. */
    summary: string;
    /** Longer description under the usage line. */
    description?: string;
    /** The positional arguments: their name in the usage line, how many, and whether they are files that must exist. */
    positionals: { name: string; min: number; max: number; files?: boolean };
    flags: T;
}

export interface Parsed<T extends FlagTable> {
    values: FlagValues<T>;
    positionals: string[];
}

function placeholder(spec: FlagSpec): string {
    if (spec.type === 'boolean') return '';
    if (spec.type === 'choice') return spec.choices.join('|');
    return spec.value;
}

function defaultOf(spec: FlagSpec): string | undefined {
    if (spec.type !== 'boolean' && spec.default !== undefined) return String(spec.default);
    return spec.defaultText;
}

/** Edit distance, for "did you mean" on an unknown flag. */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0]!;
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const up = row[j]!;
            row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = up;
        }
    }
    return row[b.length]!;
}

function unknownFlag(arg: string, flags: FlagTable): UsageError {
    const name = arg.replace(/^-+/, '').split('=')[0]!;
    const close = Object.keys(flags)
        .map(candidate => ({ candidate, d: distance(name, candidate) }))
        .filter(c => c.d <= Math.min(2, Math.max(1, Math.floor(c.candidate.length / 2))))
        .sort((x, y) => x.d - y.d)[0];
    return new UsageError(`unknown flag '${arg.split('=')[0]}'${close ? `; did you mean '--${close.candidate}'?` : ''}`);
}

function convert(name: string, spec: FlagSpec, raw: string): string | number {
    const flag = `--${name}`;
    switch (spec.type) {
        case 'choice':
            if (!spec.choices.includes(raw)) throw new UsageError(`${flag} is one of ${spec.choices.join(', ')}; not '${raw}'`);
            return raw;
        case 'integer': {
            const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
            const range =
                spec.max !== undefined
                    ? `an integer from ${spec.min} to ${spec.max}`
                    : spec.min === 1
                      ? 'a positive integer'
                      : spec.min === 0
                        ? 'an integer ≥ 0'
                        : `an integer ≥ ${spec.min}`;
            if (!Number.isSafeInteger(n) || n < spec.min || (spec.max !== undefined && n > spec.max)) throw new UsageError(`${flag} must be ${range}, not '${raw}'`);
            return n;
        }
        case 'number': {
            const n = raw.trim() === '' ? NaN : Number(raw);
            const bounds =
                spec.min !== undefined && spec.max !== undefined
                    ? ` in [${spec.min}, ${spec.max}]`
                    : spec.min !== undefined
                      ? ` ≥ ${spec.min}`
                      : spec.max !== undefined
                        ? ` ≤ ${spec.max}`
                        : '';
            if (!Number.isFinite(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
                throw new UsageError(`${flag} must be a number${bounds}, not '${raw}'`);
            return n;
        }
        case 'string':
            if (raw === '') throw new UsageError(`${flag} needs a value (${spec.value})`);
            return raw;
        case 'boolean':
            throw new UsageError(`${flag} takes no value`);
    }
}

/** Parses `args` against a command's table; every mistake is a UsageError that names the flag. */
export function parseCommandLine<T extends FlagTable>(command: CommandSpec<T>, args: readonly string[]): Parsed<T> {
    const flags: FlagTable = command.flags;
    const values: Record<string, unknown> = {};
    const positionals: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        if (arg === '--') {
            positionals.push(...args.slice(i + 1));
            break;
        }
        if (arg === '--help' || arg === '-h') throw new HelpRequested();
        if (!arg.startsWith('-') || arg === '-') {
            positionals.push(arg);
            continue;
        }
        if (!arg.startsWith('--')) throw unknownFlag(arg, flags);
        const eq = arg.indexOf('=');
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const spec = Object.hasOwn(flags, name) ? flags[name]! : undefined;
        if (!spec) throw unknownFlag(arg, flags);
        if (spec.type === 'boolean') {
            if (eq >= 0) throw new UsageError(`--${name} takes no value`);
            values[name] = true;
            continue;
        }
        let raw: string;
        if (eq >= 0) raw = arg.slice(eq + 1);
        else {
            const next = args[i + 1];
            // The next argument is the value, even with a leading dash (-5), unless it is a flag of this command.
            if (next === undefined || (next.startsWith('--') && (Object.hasOwn(flags, next.slice(2).split('=')[0]!) || next === '--help'))) {
                throw new UsageError(`--${name} needs a value (${placeholder(spec)})`);
            }
            raw = next;
            i++;
        }
        values[name] = convert(name, spec, raw);
    }
    for (const [name, spec] of Object.entries(flags)) {
        if (values[name] !== undefined) continue;
        if (spec.type === 'boolean') values[name] = false;
        else if (spec.default !== undefined) values[name] = spec.default;
    }
    const { name: what, min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
        const wanted =
            max === 0
                ? 'takes no arguments'
                : min === max
                  ? `needs ${min === 1 ? 'one' : min} ${what}`
                  : max === Infinity
                    ? `needs at least ${min === 1 ? 'one' : min} ${what}`
                    : `needs ${min} to ${max} ${what}`;
        throw new UsageError(`${wanted}${positionals.length > 0 ? `, not ${positionals.length}: ${positionals.join(' ')}` : ''}`);
    }
    if (command.positionals.files) {
        for (const file of positionals) {
            const stat = fs.statSync(file, { throwIfNoEntry: false });
            if (!stat) throw new UsageError(`${file}: no such file`);
            if (!stat.isFile()) throw new UsageError(`${file}: not a file`);
        }
    }
    return { values: values as FlagValues<T>, positionals };
}

/** The usage line of a command. */
export function usageLine(command: CommandSpec): string {
    const { name, min, max } = command.positionals;
    const operands = max === 0 ? '' : max === Infinity ? ` ${name}…` : min === 0 ? ` [${name}]` : ` ${name}`;
    return `gm ${command.name}${operands}${Object.keys(command.flags).length > 0 ? ' [options]' : ''}`;
}

/** The help of a command: usage, description, and every flag with its value, default and meaning. */
export function commandHelp(command: CommandSpec): string {
    const rows = Object.entries(command.flags).map(([name, spec]) => {
        const value = placeholder(spec);
        const left = `--${name}${value ? ` ${value}` : ''}`;
        const fallback = defaultOf(spec);
        return { left, right: `${spec.help}${fallback !== undefined ? ` (default: ${fallback})` : ''}` };
    });
    rows.push({ left: '-h, --help', right: 'print this help' });
    const width = Math.min(24, Math.max(...rows.map(r => r.left.length)) + 2);
    const lines = rows.map(r => (r.left.length + 2 > width ? `  ${r.left}\n  ${' '.repeat(width)}${r.right}` : `  ${r.left.padEnd(width)}${r.right}`));
    return [`usage: ${usageLine(command)}`, '', command.description ?? command.summary, '', 'options:', ...lines, ''].join('\n');
}
