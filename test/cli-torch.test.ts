/**
 * The PyTorch target through the real `gm` executable and the exported package's `run.py`: `gm train
 * --backend torch` streams gm's JSON events; its checkpoints are sampled by TensorFlow.js, and a
 * TensorFlow.js checkpoint is resumed by PyTorch; `run.py convert` round-trips a checkpoint through a
 * PyTorch state dict; and under torchrun, two CPU processes on gloo compute the losses of one process
 * at the same global batch. In CI PyTorch must be there (.ci/run installs it); elsewhere, without it,
 * these tests say why and are skipped.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { torchOrWhyNot } from '../packages/runtime/test/torch/available.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const MODEL = path.join(ROOT, 'test/e2e/fixtures/tiny-vae.gm');
const exec = promisify(execFile);
const torch = torchOrWhyNot();
const python = torch.ok ? torch.python : 'python3';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-torch-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Event {
    event: string;
    step?: number;
    loss?: number;
    backend?: string;
    reason?: string;
    resumedFrom?: number;
    path?: string;
    terms?: Record<string, number>;
    kind?: string;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await exec(command, args, { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, ...env } });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

const events = (stdout: string): Event[] =>
    stdout
        .split('\n')
        .filter(l => l.startsWith('{'))
        .map(l => JSON.parse(l) as Event);

const gm = (...args: string[]) => run(process.execPath, [GM, ...args]);

describe.skipIf(!torch.ok)(`the PyTorch target end to end (${torch.ok ? `PyTorch ${torch.version}` : torch.ok === false ? torch.why : ''})`, () => {
    test('gm train --backend torch streams the JSON events; gm sample (TensorFlow.js) reads its checkpoint', async () => {
        const out = path.join(tmp, 'run');
        const r = await gm('train', MODEL, '--backend', 'torch', '--steps', '4', '--sample-every', '4', '--json', '--out', out);
        expect(r.code, r.stderr).toBe(0);
        const es = events(r.stdout);
        expect(es[0]).toMatchObject({ event: 'start', model: 'TinyVAE', backend: 'torch', totalSteps: 4, out });
        const last = es.filter(e => e.event === 'progress').pop()!;
        expect(last).toMatchObject({ step: 4, epoch: 0 });
        expect(Object.keys(last.terms!).sort()).toEqual(['ell(x)', 'kl(z)']);
        expect(last.loss).toBeCloseTo(-(last.terms!['ell(x)']! - last.terms!['kl(z)']!), 3);
        expect(es.map(e => e.event).slice(-4)).toEqual(['sample', 'sample', 'checkpoint', 'done']);
        expect(es.filter(e => e.event === 'sample').map(e => e.kind)).toEqual(['samples', 'reconstructions']);
        expect(fs.existsSync(es.find(e => e.event === 'sample')!.path!)).toBe(true);
        const grid = path.join(tmp, 'from-torch.png');
        const sampled = await gm('sample', MODEL, '--checkpoint', out, '--out', grid, '--backend', 'wasm');
        expect(sampled.code, sampled.stderr).toBe(0);
        expect(fs.statSync(grid).size).toBeGreaterThan(100);
    }, 300_000);

    test('a conditional model trains on the labels of its images; gm sample (TensorFlow.js) draws one row per class from its checkpoint', async () => {
        const out = path.join(tmp, 'cvae');
        const r = await gm('train', 'examples/cvae.gm', '--backend', 'torch', '--steps', '3', '--batch', '16', '--sample-every', '3', '--json', '--out', out);
        expect(r.code, r.stderr).toBe(0);
        const all = events(r.stdout);
        expect(all.filter(e => e.event === 'progress').every(e => Number.isFinite(e.loss))).toBe(true);
        expect(all.filter(e => e.event === 'sample').map(e => e.kind)).toEqual(['samples', 'reconstructions']);
        const sampled = await gm('sample', 'examples/cvae.gm', '--checkpoint', out, '--out', path.join(tmp, 'cvae.png'), '--backend', 'wasm');
        expect(sampled.code, sampled.stderr).toBe(0);
        expect(sampled.stdout + sampled.stderr).toMatch(/one row per class/);
    }, 300_000);

    test('importance-sampled t: PyTorch records L_t at the t TensorFlow.js draws, and keeps its history across a resume', async () => {
        const file = path.join(tmp, 'importance.gm');
        const source = fs.readFileSync(path.join(ROOT, 'examples/ddpm-mlp-learned.gm'), 'utf8');
        fs.writeFileSync(file, source.replace(/seed: 0 \}/, 'seed: 0, t_sampling: importance }'));
        const train = async (backend: string, out: string, ...more: string[]) => {
            const r = await gm('train', file, '--backend', backend, '--batch', '8', '--sample-every', '100', '--json', '--out', out, ...more);
            expect(r.code, r.stderr).toBe(0);
            const checkpoint = events(r.stdout)
                .filter(e => e.event === 'checkpoint')
                .at(-1)!.path!;
            const manifest = JSON.parse(fs.readFileSync(path.join(checkpoint, 'checkpoint.json'), 'utf8')) as {
                metadata: { importanceSampling: Record<string, { history: number[][] }> };
            };
            return Object.fromEntries(Object.entries(manifest.metadata.importanceSampling).map(([name, s]) => [name, s.history]));
        };
        const tfjs = await train('wasm', path.join(tmp, 'importance-wasm'), '--steps', '2');
        const torchRun = await train('torch', path.join(tmp, 'importance-torch'), '--steps', '2');
        expect(Object.keys(torchRun)).toEqual(Object.keys(tfjs));
        // The noise differs between the targets (each draws its own), the t do not: the same number of values per t.
        for (const [name, history] of Object.entries(tfjs)) {
            expect(history.flat().length, name).toBe(2 * 8);
            expect(torchRun[name]!.map(h => h.length)).toEqual(history.map(h => h.length));
            expect(torchRun[name]!.flat().every(v => Number.isFinite(v) && v >= 0)).toBe(true);
        }
        // PyTorch resumes the TensorFlow.js run with its history and adds one step's values after it.
        fs.cpSync(path.join(tmp, 'importance-wasm'), path.join(tmp, 'importance-resumed'), { recursive: true });
        const resumed = await train('torch', path.join(tmp, 'importance-resumed'), '--steps', '3', '--resume');
        for (const [name, history] of Object.entries(tfjs)) {
            expect(resumed[name]!.flat().length, name).toBe(3 * 8);
            history.forEach((h, t) => expect(resumed[name]![t]!.slice(0, h.length), `${name}: the history of t index ${t}`).toEqual(h));
        }
    }, 300_000);

    test('a TensorFlow.js checkpoint is resumed by PyTorch, optimizer state and all', async () => {
        const out = path.join(tmp, 'both');
        const first = await gm('train', MODEL, '--backend', 'wasm', '--steps', '2', '--json', '--out', out);
        expect(first.code, first.stderr).toBe(0);
        const r = await gm('train', MODEL, '--backend', 'torch', '--steps', '4', '--resume', '--json', '--out', out);
        expect(r.code, r.stderr).toBe(0);
        const es = events(r.stdout);
        expect(es[0]).toMatchObject({ event: 'start', backend: 'torch', resumedFrom: 2 });
        expect(es.pop()).toMatchObject({ event: 'done', step: 4, reason: 'finished' });
        const manifest = JSON.parse(fs.readFileSync(path.join(out, 'step-000000004', 'checkpoint.json'), 'utf8'));
        expect(manifest.optimizer).toEqual({ name: 'Adam', iterations: 4 });
    }, 300_000);

    test('a resumed PyTorch run repeats an uninterrupted one exactly', async () => {
        const straight = await gm('train', MODEL, '--backend', 'torch', '--steps', '4', '--json', '--out', path.join(tmp, 'straight'));
        const half = await gm('train', MODEL, '--backend', 'torch', '--steps', '2', '--json', '--out', path.join(tmp, 'halves'));
        const rest = await gm('train', MODEL, '--backend', 'torch', '--steps', '4', '--resume', '--json', '--out', path.join(tmp, 'halves'));
        for (const r of [straight, half, rest]) expect(r.code, r.stderr).toBe(0);
        const last = (stdout: string) =>
            events(stdout)
                .filter(e => e.event === 'progress')
                .pop()!;
        expect(last(rest.stdout)).toMatchObject({ step: 4 });
        expect(last(rest.stdout).loss).toBe(last(straight.stdout).loss);
        expect(last(rest.stdout).terms).toEqual(last(straight.stdout).terms);
    }, 300_000);

    test('run.py convert: a gm checkpoint to a PyTorch state dict and back, the same weights', async () => {
        const pkg = path.join(tmp, 'run', 'torch');
        const pt = path.join(tmp, 'weights.pt');
        const back = path.join(tmp, 'back');
        expect((await run(python, [path.join(pkg, 'run.py'), 'convert', path.join(tmp, 'run'), pt])).code).toBe(0);
        expect((await run(python, [path.join(pkg, 'run.py'), 'convert', pt, back])).code).toBe(0);
        const compare = `
import sys; sys.path.insert(0, ${JSON.stringify(pkg)})
import numpy as np
from gm_torch import checkpoint as c
_, a = c.load(${JSON.stringify(path.join(tmp, 'run'))}); _, b = c.load(${JSON.stringify(back)})
assert sorted(a['weights']) == sorted(b['weights']), (sorted(a['weights']), sorted(b['weights']))
print(max(float(np.abs(a['weights'][k] - b['weights'][k]).max()) for k in a['weights']))`;
        const r = await run(python, ['-c', compare]);
        expect(r.code, r.stderr).toBe(0);
        expect(Number(r.stdout.trim())).toBe(0);
        const sampled = await gm('sample', MODEL, '--checkpoint', back, '--out', path.join(tmp, 'back.png'), '--backend', 'wasm');
        expect(sampled.code, sampled.stderr).toBe(0);
    }, 300_000);

    test('gm doctor reports the Python it would run, its PyTorch version and CUDA devices', async () => {
        const r = await gm('doctor');
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^PyTorch \(--backend torch, gm export --target torch; GM_PYTHON chooses the Python\):$/m);
        const version = torch.ok ? torch.version.replace(/[.+]/g, m => `\\${m}`) : '';
        expect(r.stdout).toMatch(new RegExp(`^ {2}${python.replace(/[/.]/g, m => `\\${m}`)}: torch ${version}; CUDA devices: `, 'm'));
    }, 60_000);

    test("bench/torch_step.py runs the exported package's step beside the hand-written one (the bench of BENCHMARKS.md)", async () => {
        const pkg = path.join(tmp, 'bench-package');
        expect((await gm('export', path.join(ROOT, 'examples/vae.gm'), '--target', 'torch', '--out', pkg)).code).toBe(0);
        const r = await run(python, [path.join(ROOT, 'bench/torch_step.py'), pkg, 'vae', '8', '1', '1'], { OMP_NUM_THREADS: '1' });
        expect(r.code, r.stderr).toBe(0);
        const figures = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { parameters: number; ratio: number };
        expect(figures.parameters).toBe(652_824);
        expect(figures.ratio).toBeGreaterThan(0);
    }, 120_000);

    test('bench/wasm-vs-torch.mjs races the compiled wasm step against the hand-written PyTorch step of the same network', async () => {
        const r = await run(process.execPath, [path.join(ROOT, 'bench/wasm-vs-torch.mjs'), '--only', 'vae', '--steps', '1'], { GM_PYTHON: python, GM_WASM_THREADS: '1' });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/examples\/vae\.gm, batch 128, 652824 parameters; PyTorch /);
        expect(r.stdout).toMatch(/ratio \(TensorFlow\.js \/ PyTorch images\/s\): \d+\.\d{3}/);
    }, 120_000);

    test('torchrun: two CPU processes on gloo compute the losses of one process at the same global batch', async () => {
        const pkg = path.join(tmp, 'ddp-package');
        expect((await gm('export', MODEL, '--target', 'torch', '--out', pkg)).code).toBe(0);
        const common = ['train', '--steps', '4', '--batch', '16', '--json', '--device', 'cpu', '--progress-interval', '0', '--sample-every', '1000'];
        const env = { OMP_NUM_THREADS: '1' };
        const one = await run(python, [path.join(pkg, 'run.py'), ...common, '--out', path.join(tmp, 'one')], env);
        expect(one.code, one.stderr).toBe(0);
        // --redirects/--tee name stderr explicitly: torch 1.13's parsing of their default ("0") fails under Python 3.11.
        const launcher = ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '--redirects', '2', '--tee', '2'];
        const two = await run(python, [...launcher, path.join(pkg, 'run.py'), ...common, '--out', path.join(tmp, 'two')], env);
        expect(two.code, two.stderr).toBe(0);
        const losses = (stdout: string) =>
            events(stdout)
                .filter(e => e.event === 'progress')
                .map(e => e.loss!);
        const [a, b] = [losses(one.stdout), losses(two.stdout)];
        expect(a).toHaveLength(4);
        expect(b).toHaveLength(4);
        expect(events(two.stdout)[0]!.backend).toBe('torch');
        b.forEach((loss, i) => expect(Math.abs(loss - a[i]!) / Math.abs(a[i]!), `step ${i + 1}: ${loss} vs ${a[i]}`).toBeLessThan(1e-5));
        // Checkpoints by rank 0 only: one of them, with the one-process run's weights.
        expect(fs.readdirSync(path.join(tmp, 'two')).filter(f => f.startsWith('step-'))).toEqual(['step-000000004']);
        const compare = `
import sys; sys.path.insert(0, ${JSON.stringify(pkg)})
import numpy as np
from gm_torch import checkpoint as c
_, a = c.load(${JSON.stringify(path.join(tmp, 'one'))}); _, b = c.load(${JSON.stringify(path.join(tmp, 'two'))})
print(max(float(np.abs(a['weights'][k] - b['weights'][k]).max()) for k in a['weights']))`;
        const r = await run(python, ['-c', compare]);
        expect(r.code, r.stderr).toBe(0);
        expect(Number(r.stdout.trim())).toBeLessThan(1e-5);
    }, 300_000);
});
