import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointFolderName, loadCheckpoint, saveCheckpoint, sourceHash, type Checkpoint } from '../src/checkpoint/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'gm-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `run${n++}`);

function checkpoint(step: number, fill: number): Checkpoint {
    return {
        model: 'VAE',
        sourceHash: sourceHash('model VAE {}'),
        step,
        epoch: Math.floor(step / 10),
        seed: 1,
        rng: { binarize: 123456789 },
        weights: [
            { name: 'enc/dense0/kernel', shape: [2, 3], values: Float32Array.from({ length: 6 }, (_, i) => fill + i / 8) },
            { name: 'enc/dense0/bias', shape: [3], values: new Float32Array([fill, -fill, 1e-30]) },
        ],
        optimizer: { name: 'Adam', iterations: step, slots: [{ name: 'enc/dense0/bias/m', shape: [3], values: new Float32Array([0.5, 0.25, fill]) }] },
        ema: [{ name: 'enc/dense0/bias', shape: [3], values: new Float32Array([1, 2, 3]) }],
        metadata: { backend: 'wasm', lastLoss: 123.5 },
    };
}

describe('checkpoints', () => {
    it('round-trips weights, optimizer state, EMA, step, RNG state, source hash and metadata exactly', async () => {
        const dir = freshDir();
        const saved = checkpoint(30, Math.PI);
        const folder = await saveCheckpoint(dir, saved);
        expect(folder).toBe(path.join(dir, checkpointFolderName(30)));
        expect(readFileSync(path.join(dir, 'latest'), 'utf8').trim()).toBe('step-000000030');
        const loaded = await loadCheckpoint(dir);
        expect(loaded).toEqual(saved);
        expect(readdirSync(folder).sort()).toEqual(['checkpoint.json', 'checkpoint.sha256', 'tensors.bin']);
        expect(loaded.sourceHash).toMatch(/^[0-9a-f]{64}$/);
        // A checkpoint folder can be named directly too.
        expect((await loadCheckpoint(folder)).step).toBe(30);
    });

    it('keeps the newest checkpoints only (3 by default), and names the latest', async () => {
        const dir = freshDir();
        for (const step of [10, 20, 30]) await saveCheckpoint(dir, checkpoint(step, step), { keep: 2 });
        expect(readdirSync(dir).sort()).toEqual(['latest', 'step-000000020', 'step-000000030']);
        expect((await loadCheckpoint(dir)).weights[1].values[0]).toBe(30);
        for (const step of [40, 50]) await saveCheckpoint(dir, checkpoint(step, step));
        expect(readdirSync(dir).sort()).toEqual(['latest', 'step-000000030', 'step-000000040', 'step-000000050']);
        await saveCheckpoint(dir, checkpoint(50, 51), { keep: 1 }); // the same step again (Ctrl-C after a periodic save)
        expect(readdirSync(dir).sort()).toEqual(['latest', 'step-000000050']);
        expect((await loadCheckpoint(dir)).weights[1].values[0]).toBe(51);
    });

    it('ignores a half-written temporary folder (a kill during the save) and removes it on the next save', async () => {
        const dir = freshDir();
        await saveCheckpoint(dir, checkpoint(10, 1));
        // What a kill in the middle of writing step 20 leaves behind: a temporary folder, partly written.
        const temp = path.join(dir, '.tmp-step-000000020-deadbeef');
        mkdirSync(temp);
        writeFileSync(path.join(temp, 'tensors.bin'), Buffer.alloc(7));
        const loaded = await loadCheckpoint(dir);
        expect(loaded.step).toBe(10);
        expect(loaded.weights[0].values[0]).toBe(1);
        await saveCheckpoint(dir, checkpoint(30, 3));
        expect(readdirSync(dir).some(e => e.startsWith('.tmp-'))).toBe(false);
    });

    it('a kill after the folder is renamed but before `latest` moves still loads the previous checkpoint', async () => {
        const dir = freshDir();
        await saveCheckpoint(dir, checkpoint(10, 1));
        const other = freshDir();
        const complete = await saveCheckpoint(other, checkpoint(20, 2));
        // Move a complete step-20 folder in without updating `latest`.
        mkdirSync(path.join(dir, 'step-000000020'));
        for (const f of readdirSync(complete)) writeFileSync(path.join(dir, 'step-000000020', f), readFileSync(path.join(complete, f)));
        expect((await loadCheckpoint(dir)).step).toBe(10);
    });

    it('says what is wrong with a missing, damaged or foreign checkpoint', async () => {
        const dir = freshDir();
        mkdirSync(dir);
        await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}: no checkpoint here`);
        const folder = await saveCheckpoint(dir, checkpoint(5, 1));
        const tensors = path.join(folder, 'tensors.bin');
        const bytes = readFileSync(tensors);
        bytes[3] ^= 0xff;
        writeFileSync(tensors, bytes);
        await expect(loadCheckpoint(dir)).rejects.toThrow(`${tensors}: damaged`);
        writeFileSync(path.join(folder, 'checkpoint.json'), '{"format": "keras"}');
        await expect(loadCheckpoint(dir)).rejects.toThrow(`${folder}/checkpoint.json: damaged (its SHA-256 is not the one in checkpoint.sha256)`);
        rmSync(path.join(folder, 'checkpoint.sha256'));
        await expect(loadCheckpoint(dir)).rejects.toThrow(/not a gm checkpoint/);
        writeFileSync(path.join(dir, 'latest'), 'step-000000999\n');
        await expect(loadCheckpoint(dir)).rejects.toThrow(/latest: names "step-000000999", which is not a complete checkpoint; no whole checkpoint is left/);
    });
});
