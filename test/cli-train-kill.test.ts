/**
 * Fault injection through the real `gm train`: a short seeded run is killed with SIGKILL at random
 * moments (after 0–1 saved steps and 0–60 ms more: during a step, a save, a rename) and resumed,
 * over and over. After every kill the output folder must hold a whole checkpoint (or none before
 * the first save), the next run must resume from exactly it, and every loss after it must equal
 * the uninterrupted run's loss at that step; the last weights must equal the uninterrupted run's.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findCheckpoint, loadCheckpoint } from '../packages/runtime/src/checkpoint/index.js';
import { Random } from '../packages/runtime/src/rng/index.js';
import { TINY } from './tiny-model.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const SEED = 18;
const STEPS = 80;
const KILLS = 20;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-kill-train-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'tiny.gm');
fs.writeFileSync(file, TINY);

interface Event {
    event: string;
    step?: number;
    loss?: number;
    reason?: string;
    resumedFrom?: number;
    message?: string;
}

/** Runs gm train; with `kill`, sends SIGKILL `delay` ms after the `after`-th checkpoint event (0: after the start event). */
function run(out: string, resume: boolean, kill?: { after: number; delay: number }): Promise<{ events: Event[]; killed: boolean; stderr: string }> {
    const args = ['train', file, '--json', '--backend', 'wasm', '--out', out, '--steps', String(STEPS), '--checkpoint-every', '1', '--sample-every', '1000'];
    const child = spawn(process.execPath, [GM, ...args, ...(resume ? ['--resume'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Event[] = [];
    let pending = '',
        stderr = '',
        saved = 0,
        armed = false;
    const arm = () => {
        if (kill && !armed) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), kill.delay);
        }
    };
    child.stdout.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
            const event = JSON.parse(line) as Event;
            events.push(event);
            if (event.event === 'checkpoint') saved++;
            if ((event.event === 'start' && kill?.after === 0) || (event.event === 'checkpoint' && saved === kill?.after)) arm();
        }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise(resolve => child.on('exit', (_code, signal) => resolve({ events, killed: signal === 'SIGKILL', stderr })));
}

describe('gm train under SIGKILL at random moments', () => {
    test(`every resume starts from a whole checkpoint and repeats the uninterrupted losses (${KILLS} kills, seed ${SEED})`, async () => {
        const straight = await run(path.join(dir, 'straight'), false);
        expect(straight.events.at(-1), straight.stderr).toMatchObject({ event: 'done', step: STEPS, reason: 'finished' });
        const reference = new Map(straight.events.filter(e => e.event === 'checkpoint').map(e => [e.step!, e.loss!]));
        expect(reference.size).toBe(STEPS);

        const out = path.join(dir, 'killed');
        const rng = new Random(SEED);
        let kills = 0,
            resumes = 0,
            lastSaved = 0;
        for (let trial = 0; ; trial++) {
            const where = `seed ${SEED}, trial ${trial}`;
            // Whole or absent: loadCheckpoint checks every file's SHA-256, the layout and finiteness.
            let from = 0;
            if (await findCheckpoint(out)) {
                const checkpoint = await loadCheckpoint(out);
                expect(checkpoint.step, where).toBeGreaterThanOrEqual(lastSaved);
                from = checkpoint.step;
                resumes++;
            } else {
                expect(lastSaved, where).toBe(0);
            }
            const kill = kills < KILLS ? { after: rng.int(2), delay: rng.int(60) } : undefined;
            const { events, killed, stderr } = await run(out, from > 0, kill);
            const start = events.find(e => e.event === 'start');
            if (start && from > 0) expect(start.resumedFrom, where).toBe(from);
            for (const e of events.filter(e => e.event === 'checkpoint')) {
                expect(e.step, where).toBeGreaterThan(from);
                expect(e.loss, `${where}, step ${e.step}`).toBe(reference.get(e.step!));
                lastSaved = e.step!;
            }
            expect(
                events.some(e => e.event === 'error'),
                `${where}: ${stderr}`,
            ).toBe(false);
            if (killed) {
                kills++;
                continue;
            }
            expect(kills, where).toBe(KILLS);
            expect(events.at(-1), where).toMatchObject({ event: 'done', step: STEPS, reason: 'finished' });
            break;
        }
        // Most trials resumed from a checkpoint (a kill before the first save leaves none, rightly).
        expect(resumes).toBeGreaterThanOrEqual(KILLS / 2);
        const [a, b] = await Promise.all([loadCheckpoint(path.join(dir, 'straight')), loadCheckpoint(out)]);
        expect(b.step).toBe(STEPS);
        expect(b.weights).toEqual(a.weights);
        expect(b.optimizer).toEqual(a.optimizer);
    }, 300_000);
});
