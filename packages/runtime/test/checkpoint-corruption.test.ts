/**
 * The corruption matrix: every byte of every file of a checkpoint flipped (one bit, and all bits
 * of 16-byte ranges), and every file cut short at every length, in turn. Each damage must be
 * refused by `loadCheckpoint`, which returns no weight until the whole folder checks out; the
 * error names the damaged folder's file and the older whole checkpoint to resume from instead.
 * Hand edits that keep the checksums consistent are caught by the structure checks.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DamagedCheckpointError, loadCheckpoint, saveCheckpoint, sourceHash, type Checkpoint } from '../src/checkpoint/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'gm-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function checkpoint(step: number): Checkpoint {
    const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(step + k + i));
    return {
        model: 'VAE',
        sourceHash: sourceHash('model VAE {}'),
        step,
        epoch: 1,
        seed: 7,
        rng: {},
        weights: [
            { name: 'enc/kernel', shape: [3, 4], values: values(12, 0) },
            { name: 'enc/bias', shape: [4], values: values(4, 1) },
        ],
        optimizer: { name: 'Adam', iterations: step, slots: [{ name: 'enc/bias/m', shape: [4], values: values(4, 2) }] },
        ema: [{ name: 'enc/bias', shape: [4], values: values(4, 3) }],
        metadata: { batch: 32 },
    };
}

/** An output folder with a whole step 10 and the step 20 that `latest` names. */
const pristine = path.join(root, 'pristine');
await saveCheckpoint(pristine, checkpoint(10));
await saveCheckpoint(pristine, checkpoint(20));
const FILES = ['step-000000020/checkpoint.json', 'step-000000020/tensors.bin', 'step-000000020/checkpoint.sha256', 'latest'];
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

type Damage = { label: string; apply(bytes: Buffer): Buffer };

function damages(bytes: Buffer): Damage[] {
    const list: Damage[] = [];
    for (let i = 0; i < bytes.length; i++)
        list.push({
            label: `bit 0 of byte ${i} flipped`,
            apply: b => {
                const c = Buffer.from(b);
                c[i]! ^= 0x01;
                return c;
            },
        });
    for (let i = 0; i < bytes.length; i += 16)
        list.push({
            label: `bytes ${i}…${i + 15} inverted`,
            apply: b => {
                const c = Buffer.from(b);
                for (let j = i; j < Math.min(i + 16, c.length); j++) c[j]! ^= 0xff;
                return c;
            },
        });
    for (let n = 0; n < bytes.length; n++) list.push({ label: `cut to ${n} bytes`, apply: b => b.subarray(0, n) });
    return list;
}

describe('the checkpoint corruption matrix', () => {
    it('refuses every flipped or truncated byte range of every file, naming the file and the checkpoint to use instead', async () => {
        const dir = path.join(root, 'damaged');
        cpSync(pristine, dir, { recursive: true });
        let cases = 0;
        for (const file of FILES) {
            const original = readFileSync(path.join(pristine, file));
            for (const damage of damages(original)) {
                const changed = damage.apply(original);
                // `latest` without its final newline still names step 20 exactly: not damage.
                if (file === 'latest' && changed.toString() === 'step-000000020') continue;
                writeFileSync(path.join(dir, file), changed);
                const outcome = await loadCheckpoint(dir).then(
                    c => `loaded step ${c.step}`,
                    (error: unknown) => error,
                );
                writeFileSync(path.join(dir, file), original);
                const where = `${file}, ${damage.label}`;
                expect(outcome instanceof DamagedCheckpointError, `${where}: ${String(outcome)}`).toBe(true);
                const error = outcome as DamagedCheckpointError;
                // A damaged checksum line may blame the file it no longer matches; any other damage names its own file.
                const blamed = path.relative(dir, error.file);
                if (file.endsWith('checkpoint.sha256')) expect(blamed.startsWith('step-000000020/'), where).toBe(true);
                else expect(blamed, where).toBe(file);
                // With `latest` damaged, step 20 itself is the newest whole checkpoint.
                const instead = file === 'latest' ? 'step-000000020 (step 20)' : 'step-000000010 (step 10)';
                expect(error.message, where).toContain(`the newest whole checkpoint is ${path.join(dir, instead)}: resume from it with --checkpoint`);
                cases++;
            }
        }
        expect(cases).toBeGreaterThan(2000);
    }, 120_000);

    it('refuses hand edits that recompute the checksums but break the layout', async () => {
        const edits: [string, (m: Record<string, unknown> & { tensors: Record<string, unknown>[] }) => void, RegExp][] = [
            ['offset shifted by one', m => (m.tensors[1]!.offset = (m.tensors[1]!.offset as number) + 1), /tensor enc\/bias: offset 13, expected 12/],
            ['length beyond the shape', m => (m.tensors[0]!.length = 13), /tensor enc\/kernel: length 13 for shape \[3, 4\], which holds 12 values/],
            ['shape changed', m => (m.tensors[0]!.shape = [4, 4]), /shape \[4, 4\], which holds 16 values/],
            ['another dtype', m => (m.tensors[0]!.dtype = 'float64'), /dtype float64, expected float32/],
            ['a negative step', m => (m.step = -5), /step -5 and epoch 1 must be whole numbers/],
            ['bytes disagree', m => (m.bytes = 4), /the tensors need 96 bytes, the manifest says 4/],
            ['a tensor twice', m => m.tensors.push({ ...m.tensors[0]!, offset: 24 }), /appears twice/],
        ];
        for (const [label, edit, message] of edits) {
            const dir = path.join(root, 'edited');
            rmSync(dir, { recursive: true, force: true });
            cpSync(pristine, dir, { recursive: true });
            const folder = path.join(dir, 'step-000000020');
            const manifest = JSON.parse(readFileSync(path.join(folder, 'checkpoint.json'), 'utf8')) as Parameters<(typeof edits)[0][1]>[0];
            edit(manifest);
            const text = Buffer.from(JSON.stringify(manifest));
            writeFileSync(path.join(folder, 'checkpoint.json'), text);
            writeFileSync(path.join(folder, 'checkpoint.sha256'), `${sha256(text)}  checkpoint.json\n${sha256(readFileSync(path.join(folder, 'tensors.bin')))}  tensors.bin\n`);
            await expect(loadCheckpoint(dir), label).rejects.toThrow(message);
        }
        expect(readdirSync(pristine).sort()).toEqual(['latest', 'step-000000010', 'step-000000020']);
    });
});
