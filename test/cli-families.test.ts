/**
 * Families added through the registry alone work end to end through the real executable:
 * check → elbo → train → sample → eval, for Student's t (prior and posterior) and the discretized
 * logistic likelihood.
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

describe.each([
    [
        'examples/vae-student-t.gm',
        'StudentTVAE',
        /−E_q\(z \| x\)\[log q\(z \| x\) − log p\(z\)\]\s+Monte Carlo[\s\S]*no closed form for KL\(StudentT ‖ StudentT\)[\s\S]*Gamma\(ν\/2, 1\)/,
    ],
    ['examples/vae-logistic.gm', 'LogisticVAE', /log-probability of DiscretizedLogistic\(decoder\(z\)\[0:784\], exp\(decoder\(z\)\[784:1568\]\)\)/],
])('%s end to end', (file, model, derivation) => {
    test('checks clean, derives its bound, trains, samples and evaluates', async () => {
        const checked = await gm('check', file);
        expect(checked.stdout + checked.stderr).toMatch(/0 errors, 0 warnings/);
        expect((await gm('elbo', file)).stdout).toMatch(derivation);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-family-'));
        const trained = await gm('train', file, '--steps', '4', '--json', '--backend', 'wasm', '--out', out, '--sample-every', '1000');
        const events = trained.stdout
            .split('\n')
            .filter(Boolean)
            .map(line => JSON.parse(line) as { event: string; loss?: number; terms?: Record<string, number> });
        expect(events.at(-1)).toMatchObject({ event: 'done', step: 4, reason: 'finished' });
        const progress = events.filter(e => e.event === 'progress');
        expect(progress.every(e => Number.isFinite(e.loss))).toBe(true);
        const grid = path.join(out, 'grid.png');
        expect((await gm('sample', file, '--checkpoint', out, '--n', '9', '--out', grid, '--backend', 'wasm')).stdout).toMatch(new RegExp(`9 samples of ${model} \\(step 4\\)`));
        const { PNG } = await import('pngjs');
        const png = PNG.sync.read(fs.readFileSync(grid));
        expect(png.width).toBeGreaterThan(28 * 3 - 1);
        const evaluated = JSON.parse((await gm('eval', file, '--checkpoint', out, '--limit', '16', '--iw', '4', '--json', '--backend', 'wasm')).stdout) as { nats: number };
        expect(Number.isFinite(evaluated.nats)).toBe(true);
        fs.rmSync(out, { recursive: true, force: true });
    }, 120_000);
});
