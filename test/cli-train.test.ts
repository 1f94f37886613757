/**
 * `gm train` through the real executable: JSON events, exact resume, Ctrl-C, the non-finite guard.
 * Small step counts on the wasm backend: seconds each.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const run = promisify(execFile);

interface Event {
    event: string;
    step?: number;
    reason?: string;
    term?: string;
    message?: string;
    path?: string;
    loss?: number;
}

async function gm(...args: string[]): Promise<{ code: number; events: Event[]; stderr: string }> {
    let stdout: string,
        stderr: string,
        code = 0;
    try {
        ({ stdout, stderr } = await run(process.execPath, [GM, ...args], { cwd: ROOT, maxBuffer: 64 << 20 }));
    } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        ({ stdout, stderr, code } = e);
    }
    return {
        code,
        stderr,
        events: stdout
            .split('\n')
            .filter(Boolean)
            .map(line => JSON.parse(line) as Event),
    };
}

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gm-${name}-`));

function weightsDigest(out: string): string {
    const latest = fs.readFileSync(path.join(out, 'latest'), 'utf-8').trim();
    const manifest = JSON.parse(fs.readFileSync(path.join(out, latest, 'checkpoint.json'), 'utf-8')) as { sha256: string; step: number };
    return `${manifest.step}:${manifest.sha256}`;
}

describe('gm train', () => {
    test('--json prints start, progress, checkpoint and done events, one per line', async () => {
        const out = tmp('json');
        const { code, events } = await gm('train', 'examples/vae.gm', '--steps', '5', '--json', '--backend', 'wasm', '--out', out);
        expect(code).toBe(0);
        expect(events[0]).toMatchObject({ event: 'start', model: 'VAE', backend: 'wasm', parameters: 652_824, totalSteps: 5 });
        const progress = events.filter(e => e.event === 'progress');
        expect(progress.length).toBeGreaterThan(0);
        expect(Object.keys((progress[0] as unknown as { terms: object }).terms).sort()).toEqual(['ell(x)', 'kl(z)']);
        const samples = events.filter(e => e.event === 'sample') as unknown as Array<{ kind: string; path: string; step: number }>;
        expect(samples.map(e => [e.kind, e.step])).toEqual([
            ['samples', 5],
            ['reconstructions', 5],
        ]);
        expect(samples.every(e => fs.existsSync(e.path))).toBe(true);
        expect(events.at(-2)).toMatchObject({ event: 'checkpoint', step: 5 });
        expect(events.at(-1)).toMatchObject({ event: 'done', step: 5, reason: 'finished' });
    });

    test('gm sample writes a PNG grid and reconstructions; gm eval reports the test bound and log p(x)', async () => {
        const out = tmp('sample');
        expect((await gm('train', 'examples/vae.gm', '--steps', '20', '--json', '--backend', 'wasm', '--out', out)).code).toBe(0);
        const grid = path.join(out, 'grid.png'),
            recon = path.join(out, 'recon.png');
        const sampled = await run(
            process.execPath,
            [GM, 'sample', 'examples/vae.gm', '--checkpoint', out, '--n', '16', '--out', grid, '--reconstructions', recon, '--backend', 'wasm'],
            { cwd: ROOT },
        );
        expect(sampled.stdout).toMatch(/16 samples of VAE \(step 20\)/);
        const { PNG } = await import('pngjs');
        const png = PNG.sync.read(fs.readFileSync(grid));
        expect([png.width, png.height]).toEqual([4 * 30 + 2, 4 * 30 + 2]); // 4×4 digits of 28 px, 2 px apart
        expect(PNG.sync.read(fs.readFileSync(recon)).height).toBeGreaterThan(0);
        const evaluated = await run(process.execPath, [GM, 'eval', 'examples/vae.gm', '--checkpoint', out, '--limit', '64', '--iw', '8', '--json', '--backend', 'wasm'], {
            cwd: ROOT,
        });
        const report = JSON.parse(evaluated.stdout) as { nats: number; terms: Record<string, number>; logLikelihood: { k: number; nats: number }; examples: number };
        expect(report.examples).toBe(64);
        expect(report.nats).toBeCloseTo(-(report.terms['ell(x)']! - report.terms['kl(z)']!), 3);
        // The importance-weighted estimate is a tighter bound: log p̂(x) ≥ ELBO (up to Monte Carlo noise).
        expect(report.logLikelihood.nats).toBeGreaterThan(-report.nats - 0.5);
    });

    test('a diffusion model trains, samples with a trajectory, and gm eval computes every term with the discretized decoder', async () => {
        const out = tmp('ddpm');
        const trained = await gm('train', 'examples/ddpm-mlp.gm', '--steps', '3', '--batch', '8', '--json', '--backend', 'wasm', '--out', out);
        expect(trained.code).toBe(0);
        expect(trained.events.at(-1)).toMatchObject({ event: 'done', step: 3, reason: 'finished' });
        const grid = path.join(out, 'grid.png'),
            strip = path.join(out, 'strip.png');
        const sampled = await run(
            process.execPath,
            [GM, 'sample', 'examples/ddpm-mlp.gm', '--checkpoint', out, '--n', '4', '--steps', '5', '--out', grid, '--trajectory', strip, '--backend', 'wasm'],
            { cwd: ROOT },
        );
        expect(sampled.stdout).toMatch(/4 samples of TinyDDPM \(step 3, EMA weights\)/);
        const { PNG } = await import('pngjs');
        expect(PNG.sync.read(fs.readFileSync(strip)).width).toBeGreaterThan(PNG.sync.read(fs.readFileSync(grid)).width);

        const evaluate = (...extra: string[]) =>
            run(process.execPath, [GM, 'eval', 'examples/ddpm-mlp.gm', '--checkpoint', out, '--limit', '8', '--batch', '8', '--json', '--backend', 'wasm', ...extra], {
                cwd: ROOT,
            });
        interface Report {
            nats: number;
            bitsPerDim: number;
            terms: Record<string, number>;
            perT: { from: number; values: number[] };
            decoder: string;
            examples: number;
        }
        const report = JSON.parse((await evaluate()).stdout) as Report;
        expect(report.decoder).toBe('discretized');
        expect(report.examples).toBe(8);
        expect(report.perT.from).toBe(2);
        expect(report.perT.values.length).toBe(199); // L_1 … L_199, each computed
        expect(report.terms['L_t-1']).toBeCloseTo(
            report.perT.values.reduce((a, b) => a + b, 0),
            3,
        );
        expect(report.nats).toBeCloseTo(report.terms['L_T']! + report.terms['L_t-1']! - report.terms['L_0']!, 3);
        expect(report.bitsPerDim).toBeCloseTo(report.nats / (784 * Math.LN2), 6);
        // A discretized log-likelihood is a log-probability: never above 0; the density's can be.
        expect(report.terms['L_0']).toBeLessThanOrEqual(0);
        const continuous = JSON.parse((await evaluate('--decoder', 'continuous')).stdout) as Report;
        expect(continuous.decoder).toBe('continuous');
        expect(continuous.terms['L_0']).not.toBeCloseTo(report.terms['L_0']!, 0);
        expect(continuous.terms['L_t-1']).toBeCloseTo(report.terms['L_t-1']!, 3);
        const bad = await evaluate('--decoder', 'binned').then(
            () => ({ code: 0, stderr: '' }),
            (e: { code: number; stderr: string }) => e,
        );
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/--decoder is one of discretized, continuous; not 'binned'/);
    }, 180_000); // train, sample and three evaluations of every t: a minute alone on two cores, more under load

    test('gm sample --latent-grid decodes a grid over a 2-D latent space, and says why for other models', async () => {
        const dir = tmp('grid');
        const model = path.join(dir, 'vae2d.gm');
        fs.writeFileSync(
            model,
            fs
                .readFileSync(path.join(ROOT, 'examples', 'vae.gm'), 'utf-8')
                .replace('latent   z : Real[20]', 'latent   z : Real[2]')
                .replace('2 * 20', '2 * 2')
                .replace('MLP(20 -> 400', 'MLP(2 -> 400')
                .replace('[0:20]', '[0:2]')
                .replace('[20:40]', '[2:4]'),
        );
        const out = path.join(dir, 'run');
        expect((await gm('train', model, '--steps', '3', '--json', '--backend', 'wasm', '--out', out)).code).toBe(0);
        const grid = path.join(dir, 'grid.png');
        await run(process.execPath, [GM, 'sample', model, '--checkpoint', out, '--out', path.join(dir, 's.png'), '--latent-grid', grid, '--backend', 'wasm'], { cwd: ROOT });
        const { PNG } = await import('pngjs');
        expect(PNG.sync.read(fs.readFileSync(grid)).width).toBe(20 * 30 + 2);
        const vaeOut = path.join(dir, 'vae-run');
        expect((await gm('train', 'examples/vae.gm', '--steps', '1', '--json', '--backend', 'wasm', '--out', vaeOut)).code).toBe(0);
        const other = await run(
            process.execPath,
            [GM, 'sample', 'examples/vae.gm', '--checkpoint', vaeOut, '--out', path.join(dir, 't.png'), '--latent-grid', grid, '--backend', 'wasm'],
            { cwd: ROOT },
        ).then(
            () => ({ code: 0, stderr: '' }),
            (e: { code: number; stderr: string }) => e,
        );
        expect(other.code).toBe(1);
        expect(other.stderr).toMatch(/a latent-space grid needs a model with exactly one latent of shape \[2\]; VAE has z : \[20\]/);
    });

    test('--resume continues exactly: the same weights as an uninterrupted run', async () => {
        const straight = tmp('straight'),
            resumed = tmp('resumed');
        const common = ['--json', '--backend', 'wasm', '--batch', '32'];
        expect((await gm('train', 'examples/beta-vae.gm', '--steps', '12', '--out', straight, ...common)).code).toBe(0);
        expect((await gm('train', 'examples/beta-vae.gm', '--steps', '7', '--out', resumed, ...common)).code).toBe(0);
        const second = await gm('train', 'examples/beta-vae.gm', '--steps', '12', '--resume', '--out', resumed, ...common);
        expect(second.code).toBe(0);
        expect(second.events[0]).toMatchObject({ event: 'start', resumedFrom: 7 });
        expect(weightsDigest(resumed)).toBe(weightsDigest(straight));
    });

    test('Ctrl-C saves a whole checkpoint and exits cleanly', async () => {
        const out = tmp('interrupt');
        const child = spawn(process.execPath, [GM, 'train', 'examples/vae.gm', '--steps', '100000', '--json', '--backend', 'wasm', '--out', out], { cwd: ROOT });
        const events: Event[] = [];
        let buffer = '';
        const exited = new Promise<number>(resolve => child.on('exit', code => resolve(code ?? -1)));
        let interrupted = false;
        child.stdout.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            const lines = buffer.split('\n');
            buffer = lines.pop()!;
            for (const line of lines) {
                const event = JSON.parse(line) as Event;
                events.push(event);
                // One Ctrl-C (a second one exits at once): progress may come at every step on a loaded machine.
                if (event.event === 'progress' && (event.step ?? 0) >= 3 && !interrupted) {
                    interrupted = true;
                    child.kill('SIGINT');
                }
            }
        });
        expect(await exited).toBe(0);
        const done = events.find(e => e.event === 'done')!;
        expect(done.reason).toBe('interrupted');
        const checkpoint = events.find(e => e.event === 'checkpoint')!;
        expect(checkpoint.step).toBe(done.step);
        expect(weightsDigest(out)).toMatch(new RegExp(`^${done.step}:[0-9a-f]{64}$`));
    });

    test('a non-finite loss stops with the term and the step, and keeps the last good checkpoint', async () => {
        const dir = tmp('nonfinite');
        const good = path.join(dir, 'model.gm');
        const source = fs.readFileSync(path.join(ROOT, 'examples', 'vae-gaussian.gm'), 'utf-8').replace('"fashion-mnist"', '"mnist"');
        fs.writeFileSync(good, source);
        const out = path.join(dir, 'out');
        expect((await gm('train', good, '--steps', '4', '--json', '--backend', 'wasm', '--out', out, '--batch', '16')).code).toBe(0);
        const before = weightsDigest(out);
        // The same model with a scale that underflows to 0 in float32: log p(x | z) = −∞.
        fs.writeFileSync(good, source.replace('std: 0.1', 'std: exp(-200)'));
        const { code, events } = await gm('train', good, '--steps', '8', '--resume', '--force', '--json', '--backend', 'wasm', '--out', out, '--batch', '16');
        expect(code).toBe(1);
        const error = events.find(e => e.event === 'error')!;
        expect(error).toMatchObject({ step: 4, term: 'ell(x)' });
        expect(error.message).toMatch(/the term 'ell\(x\)' became -?(Infinity|NaN) at step 4/);
        expect(weightsDigest(out)).toBe(before);
    });

    test('a model with an error is refused with its location', async () => {
        const { code, events } = await gm('train', 'test/corpus/syntax/unknown-network.gm', '--json');
        expect(code).toBe(1);
        expect(events).toEqual([{ event: 'error', message: "test/corpus/syntax/unknown-network.gm:8:32: unknown name 'decodr'; did you mean 'decoder'?" }]);
    });
});
