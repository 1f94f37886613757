/**
 * Importance sampling of t for L_vlb (Nichol & Dhariwal 2021, §3.3) through the real `gm train`: the history
 * of L_t per t is checkpointed, so a resumed run draws the same t and ends with the same weights as an
 * uninterrupted one; without the history the resumed run would draw uniformly again and differ.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const run = promisify(execFile);

/** T = 10 and a small MLP: 9 values of t, so 10 values each fill the history within three batches of 32. */
const MODEL = `model ImportanceDDPM {
  const T = 10
  schedule beta[t in 1..T] = linear(1e-3, 0.2)
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  data mnist = images("mnist", split: train, range: [-1, 1])
  observed x0 : Real[784] from mnist
  chain x[t in 0..T] starts x0
  net eps = MLP(784 -> 32 -> 784, activation: silu, time_embedding: 16)
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal((x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)) / sqrt(alpha[t]), var: beta[t])
  train { objective: vlb, t_sampling: importance, optimizer: Adam(lr: 1e-3), batch: 32, seed: 0 }
}
`;

async function train(file: string, out: string, steps: number, ...extra: string[]): Promise<void> {
    await run(process.execPath, [GM, 'train', file, '--steps', String(steps), '--json', '--backend', 'wasm', '--out', out, '--sample-every', '1000', ...extra], {
        cwd: ROOT,
        maxBuffer: 64 << 20,
    });
}

function latest(out: string): { step: number; sha256: string; metadata: { importanceSampling?: Record<string, { history: number[][] }> } } {
    const folder = fs.readFileSync(path.join(out, 'latest'), 'utf-8').trim();
    return JSON.parse(fs.readFileSync(path.join(out, folder, 'checkpoint.json'), 'utf-8'));
}

describe('t_sampling: importance', () => {
    test('the history of L_t is checkpointed and --resume continues exactly', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-importance-'));
        const file = path.join(dir, 'model.gm');
        fs.writeFileSync(file, MODEL);
        const straight = path.join(dir, 'straight'),
            resumed = path.join(dir, 'resumed');
        await train(file, straight, 8);
        await train(file, resumed, 5);
        const saved = latest(resumed).metadata.importanceSampling!;
        const history = Object.values(saved)[0]!.history;
        // t = 2..10, each with its last 10 values of L_{t−1}: after 5 batches of 32 every t has them.
        expect(history).toHaveLength(9);
        expect(history.every(h => h.length === 10 && h.every(v => Number.isFinite(v) && v > 0))).toBe(true);
        // A copy of the run at step 5 without the history: its steps 5..7 draw t uniformly again, so its weights differ.
        const forgetful = path.join(dir, 'forgetful');
        fs.cpSync(resumed, forgetful, { recursive: true });
        const manifestFile = path.join(forgetful, fs.readFileSync(path.join(forgetful, 'latest'), 'utf-8').trim(), 'checkpoint.json');
        const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf-8'));
        delete manifest.metadata.importanceSampling;
        fs.writeFileSync(manifestFile, JSON.stringify(manifest));
        // A deliberate edit: its checksums are written anew, or the checkpoint is refused as damaged.
        const sums = path.join(path.dirname(manifestFile), 'checkpoint.sha256');
        const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
        fs.writeFileSync(sums, `${sha256(fs.readFileSync(manifestFile))}  checkpoint.json\n${manifest.sha256}  tensors.bin\n`);

        await train(file, resumed, 8, '--resume');
        expect(latest(resumed).step).toBe(8);
        expect(latest(resumed).sha256).toBe(latest(straight).sha256);
        expect(latest(resumed).metadata.importanceSampling).toEqual(latest(straight).metadata.importanceSampling);
        await train(file, forgetful, 8, '--resume');
        expect(latest(forgetful).step).toBe(8);
        expect(latest(forgetful).sha256).not.toBe(latest(straight).sha256);
        fs.rmSync(dir, { recursive: true, force: true });
    }, 240_000);
});
