/** The flag table's parser and help, directly: the rules every command's parsing follows (test/cli-messages.test.ts runs them through `gm`). */
import { describe, expect, test } from 'vitest';
import { commandHelp, HelpRequested, parseCommandLine, UsageError, type CommandSpec } from '../src/cli/flags.js';

const COMMAND = {
    name: 'demo',
    summary: 'a command for the tests',
    positionals: { name: 'ARG', min: 0, max: 2 },
    flags: {
        steps: { type: 'integer', value: 'N', min: 1, help: 'steps', defaultText: 'the model' },
        iw: { type: 'integer', value: 'K', min: 0, max: 5000, default: 100, help: 'samples' },
        eta: { type: 'number', value: 'E', min: 0, max: 1, help: 'noise' },
        format: { type: 'choice', choices: ['text', 'json'], default: 'text', help: 'output' },
        out: { type: 'string', value: 'DIR', help: 'folder' },
        json: { type: 'boolean', help: 'JSON' },
    },
} as const satisfies CommandSpec;

const parse = (...args: string[]) => parseCommandLine(COMMAND, args);
const refusal = (...args: string[]) => {
    try {
        parse(...args);
    } catch (error) {
        if (error instanceof UsageError) return error.message;
        throw error;
    }
    throw new Error(`accepted: ${args.join(' ')}`);
};

describe('parseCommandLine', () => {
    test('values are converted, defaults applied, switches false unless given', () => {
        const { values, positionals } = parse('a', '--steps', '12', '--eta=0.25', '--out', 'runs', 'b');
        expect(values).toEqual({ steps: 12, iw: 100, eta: 0.25, format: 'text', out: 'runs', json: false });
        expect(positionals).toEqual(['a', 'b']);
        expect(parse('--json', '--format', 'json').values).toMatchObject({ json: true, format: 'json' });
    });

    test('a value may start with a dash; it is then judged by the flag, not taken for one', () => {
        expect(refusal('--steps', '-5')).toBe("--steps must be a positive integer, not '-5'");
        expect(parse('--out', '-weird-').values.out).toBe('-weird-');
        expect(refusal('--out', '--json')).toBe('--out needs a value (DIR)');
        expect(refusal('--steps')).toBe('--steps needs a value (N)');
    });

    test('bounds and types are named in the message', () => {
        expect(refusal('--iw', '5001')).toBe("--iw must be an integer from 0 to 5000, not '5001'");
        expect(refusal('--steps', '2e3')).toBe("--steps must be a positive integer, not '2e3'");
        expect(refusal('--eta', 'NaN')).toBe("--eta must be a number in [0, 1], not 'NaN'");
        expect(refusal('--eta', '')).toBe("--eta must be a number in [0, 1], not ''");
        expect(refusal('--format', 'xml')).toBe("--format is one of text, json; not 'xml'");
        expect(refusal('--json=1')).toBe('--json takes no value');
    });

    test('unknown flags, with a suggestion when one is close; positionals counted; -- ends the flags', () => {
        expect(refusal('--stpes', '3')).toBe("unknown flag '--stpes'; did you mean '--steps'?");
        expect(refusal('--verbose')).toBe("unknown flag '--verbose'");
        expect(refusal('-x')).toBe("unknown flag '-x'");
        expect(refusal('a', 'b', 'c')).toBe('needs 0 to 2 ARG, not 3: a b c');
        expect(parse('--', '--json').positionals).toEqual(['--json']);
        expect(() => parse('--steps', '3', '-h')).toThrow(HelpRequested);
    });

    test('help lists every flag with its value, meaning and default', () => {
        expect(commandHelp(COMMAND)).toBe(
            [
                'usage: gm demo [ARG] [options]',
                '',
                'a command for the tests',
                '',
                'options:',
                '  --steps N           steps (default: the model)',
                '  --iw K              samples (default: 100)',
                '  --eta E             noise',
                '  --format text|json  output (default: text)',
                '  --out DIR           folder',
                '  --json              JSON',
                '  -h, --help          print this help',
                '',
            ].join('\n'),
        );
    });
});
