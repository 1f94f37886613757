/**
 * The wasm backend on several threads (packages/runtime/src/backend/wasm-threads.ts), through the real
 * executables: the losses of one thread for an MLP VAE and a convolutional U-Net, processes that end by
 * themselves, the bundled CLI (packages/cli, built by `npm run build:cli`) on threads, `gm doctor`'s
 * thread count, GM_WASM_THREADS, and one thread with the reason when the threaded build does not start.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHECKOUT = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const BUNDLE = path.join(ROOT, 'packages', 'cli');

interface Event {
    event: string;
    step?: number;
    loss?: number;
    backend?: string;
    backendReason?: string;
}

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    events: Event[];
}

/** Runs a gm executable; a process that does not end by itself within `timeout` is killed (and the test fails). */
function gm(bin: string, args: string[], env: NodeJS.ProcessEnv, timeout = 240_000): Promise<Run> {
    return new Promise(resolve => {
        execFile(process.execPath, [bin, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout }, (error, stdout, stderr) => {
            const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
            const events = stdout
                .split('\n')
                .filter(l => l.startsWith('{"event"'))
                .map(l => JSON.parse(l) as Event);
            resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr, events });
        });
    });
}

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gm-${name}-`));
const train = (bin: string, file: string, steps: number, threads: string, extra: string[] = []) =>
    gm(bin, ['train', file, '--steps', String(steps), '--json', '--backend', 'wasm', '--out', tmp('threads-run'), '--sample-every', '1000', ...extra], {
        GM_WASM_THREADS: threads,
    });

/** The loss at every step both runs printed (progress is printed at most so often; the last step always). */
function expectSameLosses(a: Run, b: Run): void {
    const losses = (r: Run) => new Map(r.events.filter(e => e.event === 'progress').map(e => [e.step!, e.loss!]));
    const [la, lb] = [losses(a), losses(b)];
    const common = [...la.keys()].filter(s => lb.has(s));
    expect(common.length).toBeGreaterThan(0);
    for (const s of common) {
        expect(Number.isFinite(la.get(s)!)).toBe(true);
        // XNNPACK splits the same sums among threads by output tiles: equal up to float rounding.
        expect(Math.abs(la.get(s)! - lb.get(s)!), `step ${s}`).toBeLessThanOrEqual(1e-5 * Math.abs(lb.get(s)!));
    }
}

function expectEndedByItself(r: Run): void {
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ event: 'done', reason: 'finished' });
}

/** A small U-Net DDPM from examples/ddpm.gm: convolutions (and their gradients) through XNNPACK's pool. */
function tinyUnet(): string {
    const source = fs
        .readFileSync(path.join(ROOT, 'examples/ddpm.gm'), 'utf8')
        .replace(/net eps = UNet\([^\n]*\)/, 'net eps = UNet(in: 1, channels: 8, mults: [1, 2], time_embedding: 16)')
        .replace('range: [-1, 1])', 'range: [-1, 1], limit: 64)')
        .replace(/train \{[^\n]*\}/, 'train { objective: simple, optimizer: Adam(lr: 2e-4), batch: 8, steps: 3, seed: 0 }')
        // The sample grid written at the end runs the whole chain: a short one.
        .replace('const T = 1000', 'const T = 20')
        .replace('sample { n: 64', 'sample { n: 4');
    expect(source).toContain('channels: 8');
    expect(source).toContain('batch: 8,');
    expect(source).toContain('const T = 20');
    expect(source).toContain('sample { n: 4');
    const file = path.join(tmp('unet'), 'tiny-unet.gm');
    fs.writeFileSync(file, source);
    return file;
}

describe('gm train on wasm threads', () => {
    test('the VAE: 2 threads (the start line says so) give the losses of 1, and the process ends by itself', async () => {
        const two = await train(CHECKOUT, 'examples/vae.gm', 4, '2');
        const one = await train(CHECKOUT, 'examples/vae.gm', 4, '1');
        expectEndedByItself(two);
        expectEndedByItself(one);
        expect(two.events[0]!.backendReason).toMatch(/; 2 threads \(GM_WASM_THREADS=1 for one\)$/);
        expect(one.events[0]!.backendReason).toMatch(/; one thread \(GM_WASM_THREADS=1\)$/);
        expectSameLosses(two, one);
    }, 240_000);

    test('a convolutional U-Net: 2 threads give the losses of 1', async () => {
        const file = tinyUnet();
        const two = await train(CHECKOUT, file, 3, '2');
        const one = await train(CHECKOUT, file, 3, '1');
        expectEndedByItself(two);
        expectEndedByItself(one);
        expect(two.events[0]!.backendReason).toMatch(/2 threads/);
        expectSameLosses(two, one);
    }, 480_000);

    test('the bundled CLI trains on 2 threads, with the losses of the checkout', async () => {
        expect(fs.existsSync(path.join(BUNDLE, 'dist', 'wasm', 'pthread-worker.cjs')), "run 'npm run build:cli' first").toBe(true);
        const bundled = await train(path.join(BUNDLE, 'bin', 'gm.js'), 'examples/vae.gm', 4, '2');
        const checkout = await train(CHECKOUT, 'examples/vae.gm', 4, '1');
        expectEndedByItself(bundled);
        expect(bundled.events[0]!.backendReason).toMatch(/; 2 threads \(GM_WASM_THREADS=1 for one\)$/);
        expectSameLosses(bundled, checkout);
    }, 240_000);

    test('when the threaded build does not start, training goes on with one thread and says why', async () => {
        // A copy of the bundle whose worker script throws, and one without it.
        const copy = (name: string) => {
            const dir = path.join(tmp(name), 'cli');
            fs.cpSync(path.join(BUNDLE, 'bin'), path.join(dir, 'bin'), { recursive: true });
            fs.copyFileSync(path.join(BUNDLE, 'package.json'), path.join(dir, 'package.json'));
            fs.mkdirSync(path.join(dir, 'dist'));
            fs.copyFileSync(path.join(BUNDLE, 'dist', 'gm.mjs'), path.join(dir, 'dist', 'gm.mjs'));
            fs.cpSync(path.join(BUNDLE, 'dist', 'wasm'), path.join(dir, 'dist', 'wasm'), { recursive: true });
            fs.symlinkSync(path.join(BUNDLE, 'dist', 'data'), path.join(dir, 'dist', 'data'));
            return dir;
        };
        const broken = copy('broken-worker');
        fs.writeFileSync(path.join(broken, 'dist', 'wasm', 'pthread-worker.cjs'), "throw new Error('this worker is broken on purpose');\n");
        const missing = copy('missing-worker');
        fs.rmSync(path.join(missing, 'dist', 'wasm', 'pthread-worker.cjs'));

        const fromBroken = await train(path.join(broken, 'bin', 'gm.js'), 'examples/vae.gm', 4, '2');
        expectEndedByItself(fromBroken);
        expect(fromBroken.events[0]!.backendReason).toMatch(/; one thread: the threaded wasm build did not start \(a worker failed: .*broken on purpose\)$/);
        const fromMissing = await train(path.join(missing, 'bin', 'gm.js'), 'examples/vae.gm', 4, '2');
        expectEndedByItself(fromMissing);
        expect(fromMissing.events[0]!.backendReason).toMatch(/; one thread: the threaded wasm build did not start \(\/.*pthread-worker\.cjs is missing\)$/);
        expectSameLosses(fromBroken, fromMissing);
    }, 240_000);

    test('a GM_WASM_THREADS that is not 1 to 8 is refused with what it must be', async () => {
        const r = await train(CHECKOUT, 'examples/vae.gm', 1, '0');
        expect(r.code).toBe(1);
        expect(r.events).toEqual([{ event: 'error', message: "GM_WASM_THREADS must be a whole number of threads from 1 to 8 (1: no threads), got '0'" }]);
    });
});

describe('gm doctor on wasm threads', () => {
    test('says how many threads wasm runs with: every free core by default, GM_WASM_THREADS when set', async () => {
        const cores = Math.min(os.availableParallelism(), 8);
        const byDefault = await gm(CHECKOUT, ['doctor'], { GM_WASM_THREADS: '' });
        expect(byDefault.code).toBe(0);
        // The cores other work leaves free, which the load average at the moment decides: threads on them, or one
        // thread and the load that made it one.
        const line = byDefault.stdout.split('\n').find(l => /^ {2}wasm +loads/.test(l))!;
        if (cores === 1) expect(line).toMatch(/; one thread \(one core\)$/);
        else
            expect(line).toMatch(
                new RegExp(
                    `; (?:([2-${cores}]) threads \\(GM_WASM_THREADS=1 for one\\)|one thread \\(the other cores are busy: load \\d+\\.\\d on ${os.availableParallelism()}; GM_WASM_THREADS=\\d+ for \\d+\\))$`,
                ),
            );
        const one = await gm(CHECKOUT, ['doctor', '--json'], { GM_WASM_THREADS: '1' });
        expect(one.code).toBe(0);
        const wasm = (JSON.parse(one.stdout) as { backends: { backend: string; detail: string; threads?: number }[] }).backends.find(b => b.backend === 'wasm')!;
        expect(wasm).toMatchObject({ threads: 1, detail: expect.stringMatching(/; one thread \(GM_WASM_THREADS=1\)$/) });
    }, 120_000);
});
