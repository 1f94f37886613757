/**
 * The models the papers write with several network inputs, named heads and labels, end to end
 * through the real executable: check → elbo → train → sample → eval. The conditional VAE (labels
 * as a condition, a class grid and --class) and the top-down hierarchy q(z2 | x) q(z1 | z2, x).
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
const gm = (...args: string[]) => run(process.execPath, [GM, ...args], { cwd: ROOT, maxBuffer: 64 << 20 });

/** Checks clean, derives `derivation`, trains 3 steps; returns the run's folder. */
async function trained(file: string, derivation: RegExp): Promise<string> {
    const checked = await gm('check', file);
    expect(checked.stdout + checked.stderr).toMatch(/0 errors, 0 warnings/);
    expect((await gm('elbo', file)).stdout).toMatch(derivation);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-conditional-'));
    const result = await gm('train', file, '--steps', '3', '--json', '--backend', 'wasm', '--out', out, '--sample-every', '1000');
    const events = result.stdout
        .split('\n')
        .filter(Boolean)
        .map(line => JSON.parse(line) as { event: string; loss?: number; path?: string; kind?: string });
    expect(events.at(-1)).toMatchObject({ event: 'done', step: 3, reason: 'finished' });
    expect(events.filter(e => e.event === 'progress').every(e => Number.isFinite(e.loss))).toBe(true);
    expect(events.some(e => e.event === 'sample' && e.kind === 'reconstructions')).toBe(true);
    return out;
}

async function png(file: string): Promise<{ width: number; height: number; data: Buffer }> {
    const { PNG } = await import('pngjs');
    return PNG.sync.read(fs.readFileSync(file));
}

describe('examples/cvae.gm end to end', () => {
    test('a class grid (one row per class), --class K, reconstructions, and log p(x | y)', async () => {
        const file = 'examples/cvae.gm';
        const out = await trained(file, /ELBO\(x\) = E_q\(z \| x, y\)\[log p\(x \| z, y\)\] − KL\(q\(z \| x, y\) ‖ p\(z\)\)[\s\S]*encoder\(x, y\)\.mean/);
        const grid = path.join(out, 'grid.png');
        expect((await gm('sample', file, '--checkpoint', out, '--n', '20', '--out', grid, '--backend', 'wasm')).stdout).toMatch(
            /20 samples of CVAE, one row per class \(2 each\) \(step 3\)/,
        );
        const rows = await png(grid);
        // 10 rows of 2 digits (28 pixels and the grid's padding).
        expect(Math.round(rows.height / rows.width)).toBe(5);
        const three = path.join(out, 'three.png');
        const recon = path.join(out, 'recon.png');
        const latent = path.join(out, 'latent.png');
        const sampled = await gm(
            'sample',
            file,
            '--checkpoint',
            out,
            '--class',
            '3',
            '--n',
            '4',
            '--out',
            three,
            '--reconstructions',
            recon,
            '--latent-grid',
            latent,
            '--backend',
            'wasm',
        );
        expect(sampled.stdout).toMatch(/4 samples of CVAE of class 3 \(step 3\)[\s\S]*reconstructions[\s\S]*2-D latent space for class 3/);
        expect((await png(three)).width).toBeGreaterThan(28 * 2);
        await expect(gm('sample', file, '--checkpoint', out, '--class', '10', '--backend', 'wasm')).rejects.toMatchObject({
            stderr: expect.stringMatching(/--class is a class of 'y': an integer from 0 to 9/),
        });
        const evaluated = JSON.parse((await gm('eval', file, '--checkpoint', out, '--limit', '16', '--iw', '4', '--json', '--backend', 'wasm')).stdout) as {
            nats: number;
            logLikelihood: { nats: number };
        };
        expect(Number.isFinite(evaluated.nats)).toBe(true);
        expect(evaluated.logLikelihood.nats).toBeLessThan(0);
        fs.rmSync(out, { recursive: true, force: true });
    }, 180_000);
});

describe('examples/hvae-topdown.gm end to end', () => {
    test('q(z1 | z2, x) reads x and z2 side by side; it trains, samples and evaluates', async () => {
        const file = 'examples/hvae-topdown.gm';
        const out = await trained(file, /−E_q\(z_2 \| x\)\[KL\(q\(z_1 \| z_2, x\) ‖ p\(z_1 \| z_2\)\)\]\s+closed form[\s\S]*μ = enc1\(x, z_2\)\.mean/);
        const grid = path.join(out, 'grid.png');
        expect((await gm('sample', file, '--checkpoint', out, '--n', '9', '--out', grid, '--backend', 'wasm')).stdout).toMatch(/9 samples of TopDownHVAE \(step 3\)/);
        await expect(gm('sample', file, '--checkpoint', out, '--class', '3', '--backend', 'wasm')).rejects.toMatchObject({
            stderr: expect.stringMatching(/--class needs a model conditioned on labels/),
        });
        const evaluated = JSON.parse((await gm('eval', file, '--checkpoint', out, '--limit', '16', '--iw', '4', '--json', '--backend', 'wasm')).stdout) as { nats: number };
        expect(Number.isFinite(evaluated.nats)).toBe(true);
        fs.rmSync(out, { recursive: true, force: true });
    }, 180_000);
});
