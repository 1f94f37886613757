/**
 * Atomicity under a real kill: a child process saves checkpoints in a loop and is killed with SIGKILL
 * at random moments; the output folder must always load as one whole checkpoint. Before the first
 * save completes there is none at all, which is correct; a torn one never is.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { findCheckpoint, loadCheckpoint } from '../src/checkpoint/index.js';
import { Random } from '../src/rng/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'gm-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const here = path.dirname(fileURLToPath(import.meta.url));
const saver = path.join(root, 'saver.mjs');
const entry = path.join(root, 'saver-entry.ts');
// Saves step s with every value equal to s (1 M floats), forever, printing each completed step.
// 'ready' first: the kill delay then counts from the saving, not from Node's start-up under load.
writeFileSync(
    entry,
    `import { saveCheckpoint } from ${JSON.stringify(path.join(here, '../src/checkpoint/store.ts'))};
const dir = process.argv[2];
let step = Number(process.argv[3]);
process.stdout.write('ready\\n');
for (;;) {
    step += 1;
    const values = new Float32Array(1 << 20).fill(step);
    await saveCheckpoint(dir, { model: 'M', sourceHash: 'h', step, epoch: 0, seed: 1, rng: {}, weights: [{ name: 'w', shape: [1 << 20], values }], metadata: { step } });
    process.stdout.write(step + '\\n');
}
`,
);
buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: saver, logLevel: 'error' });

/** Runs the saver from `start` and kills it `ms` after it is ready; resolves with the last step it reported saved. */
function runAndKill(dir: string, start: number, ms: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [saver, dir, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let last = start;
        let pending = '';
        let err = '';
        let timer: NodeJS.Timeout | undefined;
        // Whole lines only: a chunk may end inside a number.
        child.stdout.on('data', (d: Buffer) => {
            const lines = (pending + d.toString()).split('\n');
            pending = lines.pop()!;
            for (const line of lines) {
                if (line === 'ready') timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
                else last = Number(line);
            }
        });
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        // In case 'ready' never comes, the kill still does.
        const fallback = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (code, signal) => {
            clearTimeout(fallback);
            clearTimeout(timer);
            if (signal !== 'SIGKILL') reject(new Error(`saver exited by itself (${code}): ${err}`));
            else resolve(last);
        });
    });
}

describe('checkpoints under SIGKILL', () => {
    it('always leave one whole checkpoint, at least as new as the last reported save', async () => {
        const dir = path.join(root, 'out');
        const rng = new Random(42);
        let step = 0;
        // Six rounds, more (up to 20) while a loaded machine has saved too little to be a test.
        for (let round = 0; round < 6 || (step <= 6 && round < 20); round++) {
            const reported = await runAndKill(dir, step, 150 + rng.int(400));
            // No checkpoint at all: only before anything was ever reported saved. A torn one throws here.
            if (!(await findCheckpoint(dir))) {
                expect({ reported, step }).toEqual({ reported: 0, step: 0 });
                continue;
            }
            const loaded = await loadCheckpoint(dir);
            expect(loaded.step).toBeGreaterThanOrEqual(reported);
            expect(loaded.metadata).toEqual({ step: loaded.step });
            const values = loaded.weights[0].values;
            expect(values.length).toBe(1 << 20);
            expect(values[0]).toBe(loaded.step);
            expect(values[values.length - 1]).toBe(loaded.step);
            step = loaded.step;
        }
        expect(step).toBeGreaterThan(6);
    }, 60_000);
});
