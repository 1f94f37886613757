/**
 * `gm train` fails safe, through the real executable: an unusable output folder is refused before
 * step 1; a resume that would change the run is refused unless --force; only finite state is ever
 * written and the guard names the newest whole checkpoint; the last K checkpoints are kept; a
 * damaged checkpoint is refused before any weight is used, naming the file and what to resume
 * from instead; training memory is estimated and a batch that cannot fit is refused.
 * A tiny VAE (8 hidden units, 512 digits) on wasm: each run takes a few seconds.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCheckpoint } from '../packages/runtime/src/checkpoint/index.js';
import { TINY, TINY_PARAMETERS } from './tiny-model.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');

interface Event {
    event: string;
    step?: number;
    message?: string;
    path?: string;
    loss?: number;
    resumedFrom?: number;
    memory?: { parameters: number; optimizer: number; activations: number; perExample: number; total: number; available?: number; limit?: string };
}

function gm(args: string[], options: { uid?: number } = {}): Promise<{ code: number; events: Event[]; stderr: string }> {
    return new Promise(resolve => {
        const ids = options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {};
        execFile(process.execPath, [GM, ...args], { cwd: ROOT, maxBuffer: 64 << 20, ...ids }, (error, stdout, stderr) => {
            const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
            const events = stdout
                .split('\n')
                .filter(Boolean)
                .map(line => JSON.parse(line) as Event);
            resolve({ code, events, stderr });
        });
    });
}

function tinyModel(name: string, source = TINY): { dir: string; file: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gm-${name}-`));
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, 'tiny.gm');
    fs.writeFileSync(file, source);
    return { dir, file };
}

const train = (file: string, out: string, ...extra: string[]) => gm(['train', file, '--json', '--backend', 'wasm', '--out', out, '--sample-every', '1000', ...extra]);
const stepFolders = (out: string) =>
    fs
        .readdirSync(out)
        .filter(e => /^step-\d+$/.test(e))
        .sort();

describe('gm train fails safe', () => {
    test('an unusable --out is refused before step 1, saying what is wrong and what to do', async () => {
        const { dir, file } = tinyModel('out');
        const aFile = path.join(dir, 'a-file');
        fs.writeFileSync(aFile, 'not a folder');
        const cases: [string, RegExp][] = [
            [aFile, new RegExp(`^--out ${aFile} is a file, not a folder: pass another --out, or move the file away$`)],
            [path.join(aFile, 'run'), new RegExp(`^--out ${aFile}/run cannot be created: ${aFile} is a file, not a folder; pass another --out$`)],
        ];
        for (const [out, message] of cases) {
            const { code, events } = await train(file, out, '--steps', '3');
            expect(code).toBe(1);
            expect(events).toHaveLength(1);
            expect(events[0]!.event).toBe('error');
            expect(events[0]!.message).toMatch(message);
        }
        // Read-only: as root every folder is writable, so the CLI runs as nobody there.
        const readOnly = path.join(dir, 'read-only');
        fs.mkdirSync(readOnly, { mode: 0o555 });
        fs.chmodSync(readOnly, 0o555);
        const as = process.getuid?.() === 0 ? { uid: 65534 } : {};
        for (const [out, message] of [
            [readOnly, new RegExp(`^--out ${readOnly} is not writable \\(EACCES\\): checkpoints could not be saved; pass a writable --out`)],
            [
                path.join(readOnly, 'run'),
                new RegExp(`^--out ${readOnly}/run cannot be created in ${readOnly} \\(EACCES: the folder is read-only or not yours\\); pass a writable --out$`),
            ],
        ] as const) {
            const { code, events } = await gm(['train', file, '--json', '--backend', 'wasm', '--out', out, '--steps', '3'], as);
            expect(code).toBe(1);
            expect(events.map(e => e.event)).toEqual(['error']);
            expect(events[0]!.message).toMatch(message);
        }
        expect(fs.readdirSync(readOnly)).toEqual([]);
    }, 120_000);

    test('a resume that would change the run is refused unless --force, listing what changed', async () => {
        const { dir, file } = tinyModel('resume');
        const out = path.join(dir, 'out');
        expect((await train(file, out, '--steps', '3')).code).toBe(0);
        const refused = async (why: RegExp, ...extra: string[]) => {
            const { code, events } = await train(file, out, '--steps', '5', '--resume', ...extra);
            expect(code).toBe(1);
            expect(events.map(e => e.event)).toEqual(['error']);
            expect(events[0]!.message).toMatch(new RegExp(`^${out}/step-000000003: resuming would change the run \\(step 3\\): `));
            expect(events[0]!.message).toMatch(why);
            expect(events[0]!.message).toMatch(/pass --force to resume anyway$/);
        };
        await refused(/: batch 16 → 8\. /, '--batch', '8');
        await refused(/: seed 3 → 9\. /, '--seed', '9');
        fs.writeFileSync(file, TINY.replace('lr: 1e-3', 'lr: 1e-2').replace('limit: 512', 'limit: 256'));
        await refused(new RegExp(`: the model's source ${file.replace(/[.]/g, '\\.')} changed; data.limit 512 → 256; data.examples 512 → 256; optimizer.lr 0.001 → 0.01\\. `));
        fs.writeFileSync(file, TINY);
        const same = await train(file, out, '--steps', '5', '--resume');
        expect(same.code).toBe(0);
        expect(same.events[0]).toMatchObject({ event: 'start', resumedFrom: 3 });
        const forced = await train(file, out, '--steps', '7', '--resume', '--batch', '8', '--force');
        expect(forced.code).toBe(0);
        expect(forced.events[0]).toMatchObject({ event: 'start', resumedFrom: 5 });
    }, 180_000);

    test('a non-finite update is never written: the guard stops and names the newest whole checkpoint before it, which resumes', async () => {
        const { dir, file } = tinyModel('nonfinite');
        const advice = (step: number) =>
            new RegExp(
                `The newest whole checkpoint before step ${step} is (\\S+) \\(step (\\d+)\\): fix the cause \\(e\\.g\\. a smaller learning rate\\), then resume from it with --checkpoint \\1 --force\\.$`,
            );
        // Adam with lr 1e6: the second moments overflow in the second update; that state is not written.
        fs.writeFileSync(file, TINY.replace('lr: 1e-3', 'lr: 1e6'));
        const out = path.join(dir, 'out');
        const hot = await train(file, out, '--steps', '30', '--checkpoint-every', '1');
        expect(hot.code).toBe(1);
        const error = hot.events.find(e => e.event === 'error')!;
        expect(error.message).toMatch(/^after step 2 the optimizer state \S+\/v holds \d+ non-finite values; training stopped without saving them\. /);
        const named = advice(2).exec(error.message!);
        expect(named, error.message).not.toBeNull();
        expect(named![1]).toBe(path.join(out, 'step-000000001'));
        expect(stepFolders(out)).toEqual(['step-000000001']);
        // The fix: a sane learning rate, and clipping, since the weights of step 1 are already ~1e6 (finite, as written).
        fs.writeFileSync(file, TINY.replace('seed: 3 }', 'seed: 3, clip: 1 }'));
        const resumed = await train(file, out, '--steps', '4', '--checkpoint', named![1]!, '--force');
        expect(resumed.code).toBe(0);
        expect(resumed.events[0]).toMatchObject({ event: 'start', resumedFrom: 1 });
        expect(resumed.events.filter(e => e.event === 'checkpoint').every(e => Number.isFinite(e.loss))).toBe(true);

        // Adam with lr 1e4: the loss at step 10 is NaN; it was computed from the weights of checkpoint 10, so the guard names 9.
        fs.writeFileSync(file, TINY.replace('lr: 1e-3', 'lr: 1e4'));
        const later = path.join(dir, 'later');
        const nan = await train(file, later, '--steps', '30', '--checkpoint-every', '1');
        expect(nan.code).toBe(1);
        const nanError = nan.events.find(e => e.event === 'error')!;
        const step = nanError.step!;
        expect(nanError.message).toMatch(new RegExp(`^the (loss|term '.+') became (NaN|-?Infinity) at step ${step}; training stopped without saving it\\. `));
        expect(advice(step).exec(nanError.message!)?.[1]).toBe(path.join(later, `step-${String(step - 1).padStart(9, '0')}`));
        // The last 3 are kept, and every one loads whole with finite weights and optimizer state (loadCheckpoint checks both).
        const kept = stepFolders(later);
        expect(kept).toHaveLength(3);
        for (const f of kept) expect((await loadCheckpoint(path.join(later, f))).optimizer!.slots.length).toBeGreaterThan(0);
    }, 180_000);

    test('the last 3 checkpoints are kept by default, K with --keep-checkpoints', async () => {
        const { dir, file } = tinyModel('keep');
        const out = path.join(dir, 'out'),
            two = path.join(dir, 'two');
        expect((await train(file, out, '--steps', '6', '--checkpoint-every', '1')).code).toBe(0);
        expect(stepFolders(out)).toEqual(['step-000000004', 'step-000000005', 'step-000000006']);
        expect((await train(file, two, '--steps', '6', '--checkpoint-every', '1', '--keep-checkpoints', '2')).code).toBe(0);
        expect(stepFolders(two)).toEqual(['step-000000005', 'step-000000006']);
        const bad = await train(file, two, '--steps', '6', '--keep-checkpoints', '0');
        // A usage error: exit 2 with the message and train's usage, before anything runs.
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/^gm train: --keep-checkpoints must be a positive integer, not '0'\n\nusage: gm train FILE/);
    }, 120_000);

    test('a damaged checkpoint is refused before any weight is used, naming the file and the checkpoint to use instead', async () => {
        const { dir, file } = tinyModel('damaged');
        const out = path.join(dir, 'out');
        expect((await train(file, out, '--steps', '4', '--checkpoint-every', '1')).code).toBe(0);
        const newest = path.join(out, 'step-000000004'),
            older = path.join(out, 'step-000000003');
        const instead = `the newest whole checkpoint is ${older} (step 3): resume from it with --checkpoint ${older}`;
        const manifestFile = path.join(newest, 'checkpoint.json');
        const edit = (change: (m: { step: number; tensors: { offset: number }[] }) => void) => {
            const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { step: number; tensors: { offset: number }[] };
            change(m);
            fs.writeFileSync(manifestFile, JSON.stringify(m, null, 1));
        };
        const damage: [string, () => void, string][] = [
            // The cases: one tensor's offset shifted, the step rewritten, a byte of tensors.bin flipped.
            ['offset + 1', () => edit(m => (m.tensors[1]!.offset += 1)), 'checkpoint.json'],
            ['step 4 → 1', () => edit(m => (m.step = 1)), 'checkpoint.json'],
            [
                'a flipped byte',
                () => {
                    const bytes = fs.readFileSync(path.join(newest, 'tensors.bin'));
                    bytes[100]! ^= 0x40;
                    fs.writeFileSync(path.join(newest, 'tensors.bin'), bytes);
                },
                'tensors.bin',
            ],
        ];
        for (const [label, apply, blamed] of damage) {
            const pristine = fs.readdirSync(newest).map(f => [f, fs.readFileSync(path.join(newest, f))] as const);
            apply();
            const resumed = await train(file, out, '--steps', '6', '--resume');
            expect(resumed.code, label).toBe(1);
            expect(
                resumed.events.map(e => e.event),
                label,
            ).toEqual(['error']);
            expect(resumed.events[0]!.message, label).toMatch(new RegExp(`^${newest}/${blamed}: damaged`));
            expect(resumed.events[0]!.message, label).toContain(instead);
            const sampled = await gm(['sample', file, '--checkpoint', out, '--out', path.join(dir, 'grid.png'), '--backend', 'wasm']);
            expect(sampled.code, label).toBe(1);
            expect(sampled.stderr, label).toContain(`${newest}/${blamed}: damaged`);
            expect(fs.existsSync(path.join(dir, 'grid.png'))).toBe(false);
            for (const [f, bytes] of pristine) fs.writeFileSync(path.join(newest, f), bytes);
        }
        fs.writeFileSync(path.join(newest, 'tensors.bin'), Buffer.alloc(3));
        const fallback = await train(file, out, '--steps', '6', '--checkpoint', older);
        expect(fallback.code).toBe(0);
        expect(fallback.events[0]).toMatchObject({ event: 'start', resumedFrom: 3 });
    }, 180_000);

    test('training memory is estimated in the start event, and a batch that cannot fit is refused before step 1', async () => {
        const { dir, file } = tinyModel('memory');
        const ok = await train(file, path.join(dir, 'out'), '--steps', '1');
        expect(ok.code).toBe(0);
        const memory = ok.events[0]!.memory!;
        expect(memory.parameters).toBe(4 * TINY_PARAMETERS);
        expect(memory.optimizer).toBe(2 * 4 * TINY_PARAMETERS); // Adam's m and v
        // At least the batch's input and the decoder's logits (16 × 784 floats each), kept for the backward pass.
        expect(memory.activations).toBeGreaterThan(2 * 16 * 784 * 4);
        expect(memory.total).toBe(memory.parameters + memory.optimizer + memory.activations);
        expect(memory.available).toBeGreaterThan(0);
        const huge = await train(file, path.join(dir, 'huge'), '--steps', '1', '--batch', '100000000');
        expect(huge.code).toBe(1);
        expect(huge.events.map(e => e.event)).toEqual(['error']);
        expect(huge.events[0]!.message).toMatch(
            /^training needs about [\d.]+ GiB \(parameters [\d.]+ KiB, optimizer state [\d.]+ KiB, activations and gradients for a batch of 100000000 [\d.]+ GiB\), more than [\d.]+ GiB: .*\. Use a smaller --batch \(about \d+ fits\), or pass --force to try anyway$/,
        );
        expect(fs.readdirSync(path.join(dir, 'huge'))).toEqual([]);
    }, 120_000);
});
