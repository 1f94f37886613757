import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { TrainEvent } from '../src/train/events.js';
import { findLastCheckpoint, listRuns, previousEvents, readRunEvents, runFolderName } from '../src/train/run-history.js';
import { TrainingRun } from '../src/train/training-run.js';

const FAKE_GM = path.join(import.meta.dirname, 'fixtures', 'fake-gm.mjs');
const runs: TrainingRun[] = [];
let dir: string;

function start(model: string, extra: string[] = [], previous?: { runDir: string; step: number }, out?: string): TrainingRun {
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'gm-run-'));
    const folder = path.join(dir, runFolderName(model));
    out ??= folder;
    const run = TrainingRun.start({
        id: path.basename(folder),
        file: path.join(dir, 'm.gm'),
        model,
        runDir: folder,
        out,
        cwd: dir,
        env: {},
        previous,
        command: process.execPath,
        args: [FAKE_GM, 'train', path.join(dir, 'm.gm'), '--model', model, '--json', '--out', out, ...extra],
    });
    runs.push(run);
    return run;
}

const until = (run: TrainingRun, predicate: (e: TrainEvent) => boolean) =>
    new Promise<TrainEvent>(resolve => {
        const hit = run.events.find(predicate);
        if (hit) {
            resolve(hit);
            return;
        }
        const listener = (e: TrainEvent) => {
            if (predicate(e)) {
                run.off('event', listener);
                resolve(e);
            }
        };
        run.on('event', listener);
    });
/** The process exists and is not a zombie (one that nobody reaps yet, in a container). */
const living = (pid: number) => {
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
        return false;
    }
};
const exited = (run: TrainingRun) => new Promise<{ code: number | null; signal: string | null }>(resolve => (run.running ? run.once('exit', resolve) : resolve(run.exitStatus!)));

afterEach(() => {
    for (const run of runs.splice(0)) {
        run.stop(0);
        run.dispose();
    }
});

describe('a training process followed through its run folder', () => {
    test('streams every event in order, keeps plain text as log, and reports the exit', async () => {
        const run = start('VAE', ['--steps', '30']);
        const logs: string[] = [];
        run.on('log', l => logs.push(l));
        const exit = await exited(run);
        expect(exit.code).toBe(0);
        const steps = run.events.filter(e => e.event === 'progress').map(e => e.step);
        expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(run.events[0]!.event).toBe('start');
        expect(run.events.at(-1)).toMatchObject({ event: 'done', reason: 'finished', step: 30 });
        expect(run.events.filter(e => e.event === 'sample')).toHaveLength(6);
        expect(logs).toContain('not an event: plain log text');
        expect(logs).toContain('fake-gm: loading data');
        expect(run.lastCheckpoint).toBe(path.join(run.record.runDir, 'checkpoint-30'));
        // The folder records the run for a later window.
        expect(JSON.parse(fs.readFileSync(path.join(run.record.runDir, 'run.json'), 'utf8'))).toMatchObject({ model: 'VAE', pid: run.record.pid });
    });

    test('stop sends SIGINT: the process writes a checkpoint and an interrupted done event', async () => {
        const run = start('VAE', ['--steps', '100000']);
        await until(run, e => e.event === 'progress' && e.step >= 12);
        run.stop();
        const exit = await exited(run);
        expect(exit).toEqual({ code: 0, signal: null });
        const done = run.events.at(-1) as Extract<TrainEvent, { event: 'done' }>;
        expect(done).toMatchObject({ event: 'done', reason: 'interrupted' });
        expect(run.lastCheckpoint).toBe(path.join(run.record.runDir, `checkpoint-${done.step}`));
    });

    test('a run that ignores SIGINT is killed after the grace period, with the process it started (as gm starts Python)', async () => {
        const run = start('VAE', ['--steps', '100000', '--stuck-worker']);
        await until(run, e => e.event === 'progress' && e.step >= 3);
        const worker = Number(fs.readFileSync(path.join(run.record.out, 'worker.pid'), 'utf8'));
        expect(living(worker)).toBe(true);
        run.stop(300);
        expect(await exited(run)).toEqual({ code: null, signal: 'SIGKILL' });
        await expect.poll(() => living(worker), { timeout: 5_000 }).toBe(false);
    });

    test('a second window attaches to a run that is still going, replays it and sees it end', async () => {
        const run = start('VAE', ['--steps', '100000']);
        await until(run, e => e.event === 'progress' && e.step >= 5);
        const attached = TrainingRun.attach(run.record.runDir)!;
        runs.push(attached);
        expect(attached.running).toBe(true);
        expect(attached.events[0]!.event).toBe('start');
        await until(attached, e => e.event === 'progress' && e.step >= 10);
        // Events arrive in order and none twice, although lines were written in pieces.
        const steps = attached.events.filter(e => e.event === 'progress').map(e => e.step);
        expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
        run.stop();
        await exited(attached);
        expect(attached.events.at(-1)).toMatchObject({ event: 'done', reason: 'interrupted' });
        expect(attached.exitStatus).toEqual({ code: 0, signal: null });
    });

    test('resume finds the newest checkpoint of the model in the output folder', async () => {
        const first = start('VAE', ['--steps', '20']);
        await exited(first);
        const other = start('Other', ['--steps', '10']);
        await exited(other);
        expect(listRuns(dir).map(r => r.model)).toEqual(expect.arrayContaining(['VAE', 'Other']));
        const last = findLastCheckpoint(dir, path.join(dir, 'm.gm'), 'VAE')!;
        expect(last).toMatchObject({ step: 20, checkpoint: path.join(first.record.runDir, 'checkpoint-20') });
        // The runtime resumes from the newest checkpoint in --out: the first run's folder.
        const resumed = start('VAE', ['--steps', '25', '--resume'], { runDir: last.run.runDir, step: last.step }, last.run.out);
        await exited(resumed);
        // The resumed run's curves continue the first run's, up to the checkpoint.
        const history = previousEvents(resumed.record)
            .filter(e => e.event === 'progress')
            .map(e => e.step);
        expect(history).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(resumed.lastCheckpoint).toBe(path.join(first.record.runDir, 'checkpoint-25'));
        expect(findLastCheckpoint(dir, path.join(dir, 'm.gm'), 'VAE')).toMatchObject({ step: 25, run: { runDir: resumed.record.runDir, out: first.record.runDir } });
        const again = start('VAE', ['--steps', '30', '--resume'], { runDir: resumed.record.runDir, step: 25 }, resumed.record.out);
        await exited(again);
        expect(
            previousEvents(again.record)
                .filter(e => e.event === 'progress')
                .map(e => e.step),
        ).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
        expect(resumed.events[0]).toMatchObject({ event: 'start', resumedFrom: 20 });
        expect(resumed.events.filter(e => e.event === 'progress')[0]).toMatchObject({ step: 21 });
        expect(readRunEvents(resumed.record.runDir)).toEqual(resumed.events);
        expect(findLastCheckpoint(dir, path.join(dir, 'm.gm'), 'Missing')).toBeUndefined();
    });

    test('a command that does not exist ends the run with a log line instead of hanging', async () => {
        const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gm-run-')), 'r');
        const run = TrainingRun.start({ id: 'r', file: 'm.gm', model: 'M', runDir: folder, cwd: os.tmpdir(), env: {}, command: '/nonexistent/gm', args: [] });
        runs.push(run);
        const exit = await exited(run);
        expect(exit.code).not.toBe(0);
        expect(run.recentLog.join('\n')).toMatch(/could not start \/nonexistent\/gm/);
    });

    test("stop signals only the run's own process: never a pid that run.json names but that is another process", async () => {
        // A bystander: SIGINT would end it (Node's default action).
        const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        const bystanderExit = new Promise<string | null>(resolve => bystander.on('exit', (_code, signal) => resolve(signal)));
        const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
        // Start times are counted in clock ticks (10 ms): a bystander started in the same tick as the run
        // would share its start time, so the run starts a few ticks later.
        await sleep(100);
        try {
            const run = start('VAE', ['--steps', '100000']);
            await until(run, e => e.event === 'progress' && e.step >= 3);
            const recordFile = path.join(run.record.runDir, 'run.json');
            const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { pid: number; startTime: string };
            expect(record.startTime).toMatch(/^(proc|ps):/);

            // Another window follows the run, but run.json now names the bystander (an edited file, or a
            // recycled pid): its Stop refuses, and neither process is signalled.
            fs.writeFileSync(recordFile, JSON.stringify({ ...record, pid: bystander.pid }));
            const misled = TrainingRun.attach(run.record.runDir)!;
            runs.push(misled);
            expect(misled.stop(0)).toMatch(new RegExp(`not signalling process ${bystander.pid}: it is not this run's training process \\(its start time differs`));
            // The same pid with another recorded start time: a recycled pid.
            fs.writeFileSync(recordFile, JSON.stringify({ ...record, startTime: 'proc:1' }));
            const recycled = TrainingRun.attach(run.record.runDir)!;
            runs.push(recycled);
            expect(recycled.stop(0)).toMatch(/not signalling process \d+: it is not this run's training process/);
            await sleep(500);
            expect(bystander.exitCode).toBeNull();
            expect(run.running).toBe(true);

            // The window that started the run stops it through its child handle, whatever run.json says.
            fs.writeFileSync(recordFile, JSON.stringify({ ...record, pid: bystander.pid }));
            expect(run.stop()).toBeUndefined();
            expect(await exited(run)).toEqual({ code: 0, signal: null });
            expect(bystander.exitCode).toBeNull();
            expect(bystander.signalCode).toBeNull();
        } finally {
            bystander.kill('SIGKILL');
            await bystanderExit;
        }
    });

    test('a window that attaches stops the run when the recorded pid and start time still match', async () => {
        const run = start('VAE', ['--steps', '100000']);
        await until(run, e => e.event === 'progress' && e.step >= 3);
        const attached = TrainingRun.attach(run.record.runDir)!;
        runs.push(attached);
        expect(attached.stop()).toBeUndefined();
        expect(await exited(attached)).toEqual({ code: 0, signal: null });
        expect(attached.events.at(-1)).toMatchObject({ event: 'done', reason: 'interrupted' });
    });
});
