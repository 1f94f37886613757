/**
 * The PyTorch target computes what the TensorFlow.js target computes: for the same weights, data batch
 * and noise, every term of the training loss and of the whole bound agrees within 1e-5 relative, for
 * every example and every model of the good corpus; and samples from the same noise agree. The noise
 * TensorFlow.js drew is handed to the generated Python; the timesteps are not: the Python runtime draws
 * them with gm's own generator, so they must come out the same by themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { conditionsOf, type ModelIR } from '@gm/language';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { saveCheckpoint } from '../src/checkpoint/index.js';
import { labelTensor, type Inputs } from '../src/data/feed.js';
import { classCount } from '../src/session/draw.js';
import { compileBound, compileModel, TfjsExecutor, type Program } from '../src/compile/index.js';
import { deriveSeed, Random } from '../src/rng/index.js';
import { compilePriorDraw, compilePriorSampler, sampleChain, samplingTimesteps } from '../src/sample/index.js';
import { exportTorch } from '../src/torch/export.js';
import { torchOrWhyNot } from './torch/available.js';
import { conformanceCases, type Case } from './torch/cases.js';

const RELATIVE = 1e-5;
const STEP = 100_000; // past any warm-up: every term has its full weight
const { cases, excluded } = await conformanceCases();
const torch = torchOrWhyNot();
const tmp = mkdtempSync(path.join(tmpdir(), 'gm-torch-conformance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Expected {
    loss: { terms: Record<string, number[]>; loss: number };
    bound: { terms: Record<string, number[]>; loss: number };
    samples: number[];
}
const expected = new Map<string, Expected>();
const actual = new Map<string, Expected>();

const KIND: Record<string, string> = { 'normal-noise': 'normal', 'uniform-noise': 'uniform', 'gamma-noise': 'gamma' };

/** Writes a tensor as float32 for the Python side. */
async function write(dir: string, name: string, t: tf.Tensor): Promise<{ file: string; shape: number[] }> {
    const file = path.join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '_')}-${Math.random().toString(36).slice(2, 8)}.f32`);
    writeFileSync(file, Buffer.from(((await t.data()) as Float32Array).buffer));
    return { file, shape: t.shape };
}

/**
 * A fixed p_t for an importance-sampled t (t_sampling: importance), far from uniform (p_t ∝ t − from + 1), given to
 * both targets: the Python runtime draws t from it with gm's generator and weighs L_t by 1/p_t by itself.
 */
function proposalOf(p: { from: number; to: number }): Float64Array {
    const n = p.to - p.from + 1;
    return Float64Array.from({ length: n }, (_, k) => (2 * (k + 1)) / (n * (n + 1)));
}

/** Each input batch, by variable name, for the Python side. */
async function writeAll(dir: string, inputs: Inputs): Promise<Record<string, { file: string; shape: number[] }>> {
    const out: Record<string, { file: string; shape: number[] }> = {};
    for (const [name, t] of Object.entries(inputs)) out[name] = await write(dir, name, t);
    return out;
}

const isLabel = (model: ModelIR, name: string) => !!model.variables.find(v => v.name === name)?.labels;

/** The noise a program drew, by 'kind:stream', as the Python Context's overrides. */
async function noiseOf(program: Program, values: tf.Tensor[], dir: string): Promise<Record<string, { file: string; shape: number[] }>> {
    const out: Record<string, { file: string; shape: number[] }> = {};
    for (const [id, i] of program.instructions.entries()) {
        if (values[id] && KIND[i.op] && 'stream' in i) out[`${KIND[i.op]}:${i.stream}`] = await write(dir, i.stream, values[id]);
    }
    return out;
}

async function perExample(executor: TfjsExecutor, inputs: Record<string, tf.Tensor>) {
    const terms = executor.evaluate(inputs, STEP, { training: false });
    const out: Record<string, number[]> = {};
    for (const [id, t] of Object.entries(terms)) out[id] = Array.from((await t.data()) as Float32Array);
    const loss = (await executor.loss(inputs, STEP, { training: false }).loss.data())[0]!;
    return { terms: out, loss };
}

/** Runs one case with TensorFlow.js and writes the Python job: weights, batch, noise. */
async function prepare(c: Case, k: number): Promise<object> {
    const dir = path.join(tmp, String(k));
    mkdirSync(dir, { recursive: true });
    await exportTorch(c.file, path.join(dir, 'package'), { data: false });
    const compiled = compileModel(c.model, c.derivation, 11, { terms: 'all' });
    try {
        // Initial weights plus N(0, 0.02²): layers that start at zero would hide the networks.
        const rng = new Random(17);
        for (const p of compiled.parameters) {
            const values = Float32Array.from((await p.variable.data()) as Float32Array, w => w + 0.02 * rng.normal());
            p.variable.assign(tf.tensor(values, p.variable.shape, 'float32'));
        }
        const weights = await Promise.all(compiled.parameters.map(async p => ({ name: p.name, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array })));
        const checkpoint = await saveCheckpoint(path.join(dir, 'checkpoint'), { model: c.model.name, sourceHash: '', step: 0, epoch: 0, seed: 11, rng: {}, weights, metadata: {} });
        const observed = c.model.variables.find(v => v.name === compiled.program.inputs.find(i => !isLabel(c.model, i.variable))!.variable)!;
        const batch = /UNet/.test(JSON.stringify(c.model.networks)) ? 2 : 3;
        // Every observed input: images uniform over the value range, labels of random classes (one-hot or index, as the variable holds them).
        const data = new Random(5);
        const inputs: Inputs = {};
        for (const input of compiled.program.inputs) {
            const v = c.model.variables.find(x => x.name === input.variable)!;
            if (v.labels) {
                const classes = classCount(c.model, v);
                inputs[v.name] = labelTensor(
                    Array.from({ length: batch }, () => data.int(classes)),
                    v.labels,
                );
                continue;
            }
            const [lo, hi] = c.model.data.find(d => d.name === v.data)?.valueRange ?? [0, 1];
            const size = batch * input.shape.reduce((a, b) => a * b, 1);
            inputs[v.name] = tf.tensor(
                Float32Array.from({ length: size }, () => lo + (hi - lo) * data.next()),
                [batch, ...input.shape],
            );
        }
        const job: Record<string, unknown> = {
            package: path.join(dir, 'package'),
            checkpoint,
            step: STEP,
            batch: await writeAll(dir, inputs),
            out: path.join(dir, 'out.json'),
        };
        const overrides: Record<string, unknown> = {};
        const proposals: Record<string, number[]> = {};
        const reference: Partial<Expected> = {};
        for (const which of ['loss', 'bound'] as const) {
            const program = compileBound(c.model, c.derivation, { terms: which === 'loss' ? 'loss' : 'all' });
            const executor = new TfjsExecutor(program, compiled.networks, 11);
            for (const p of program.proposals ?? []) {
                const table = proposalOf(p);
                executor.setProposal(p.name, () => table);
                proposals[p.name] = Array.from(table);
            }
            overrides[which] = await noiseOf(program, executor.valuesOf(inputs, STEP, { training: false }), dir);
            reference[which] = await perExample(executor, inputs);
        }
        job['overrides'] = overrides;
        job['proposals'] = proposals;
        const n = 2;
        if (c.derivation.chains.length > 0) {
            const chain = c.model.chains.find(ch => ch.name === c.derivation.chains[0]!.chain)!;
            const prior = compilePriorDraw(c.model, c.derivation);
            const drawn = new TfjsExecutor(prior, compiled.networks, 9).valuesOf({}, chain.upper + 1, { batch: n });
            // Three DDIM steps with η = 1: fresh noise z_t at each step, drawn here as sampleChain draws it.
            const z: Record<number, { file: string; shape: number[] }> = {};
            for (const t of samplingTimesteps(chain.lower, chain.upper, 'ddim', 3)) {
                const noise = tf.randomNormal([n, ...chain.shape], 0, 1, 'float32', deriveSeed(9, t, 'sample/z'));
                z[t] = await write(dir, `z${t}`, noise);
                noise.dispose();
            }
            job['samples'] = { n, steps: 3, overrides: await noiseOf(prior, drawn, dir), z };
            reference.samples = Array.from((await sampleChain(c.model, c.derivation, compiled.networks, { n, seed: 9, sampler: 'ddim', steps: 3, eta: 1 })).samples);
        } else {
            const sampler = compilePriorSampler(c.model);
            const executor = new TfjsExecutor(sampler, compiled.networks, 9);
            // A conditional model's samples are of given classes (0, 1, …), as `gm sample` spreads them.
            const given: Inputs = Object.fromEntries(
                conditionsOf(c.model).map(v => [
                    v.name,
                    labelTensor(
                        Array.from({ length: n }, (_, i) => i % classCount(c.model, v)),
                        v.labels!,
                    ),
                ]),
            );
            const values = executor.valuesOf(given, 0, { batch: n });
            job['samples'] = { n, inputs: await writeAll(dir, given), overrides: await noiseOf(sampler, values, dir) };
            reference.samples = Array.from((await values[sampler.outputs![observed.name]!]!.data()) as Float32Array);
        }
        expected.set(c.name, reference as Expected);
        return job;
    } finally {
        compiled.dispose();
    }
}

/** Relative error; two NaNs or two equal infinities agree (a model whose network output is used raw can make them, on both targets). */
const relative = (a: number, b: number) => (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-6));
const parse = (v: number | string) => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe.skipIf(!torch.ok)(`the PyTorch target against TensorFlow.js (${torch.ok ? `PyTorch ${torch.version}` : torch.ok === false ? torch.why : ''})`, () => {
    beforeAll(async () => {
        await selectBackend('wasm');
        if (excluded.length) console.log(`not compiled by either target:\n  ${excluded.join('\n  ')}`);
        const jobs = [];
        for (const [k, c] of cases.entries()) jobs.push(await prepare(c, k));
        const jobsFile = path.join(tmp, 'jobs.json');
        writeFileSync(jobsFile, JSON.stringify(jobs));
        const script = path.resolve(import.meta.dirname, 'torch/conformance.py');
        const run = spawnSync(torch.ok ? torch.python : 'python3', [script, jobsFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
        if (run.status !== 0) throw new Error(`conformance.py failed (${run.status}):\n${run.stderr}`);
        cases.forEach((c, k) =>
            actual.set(
                c.name,
                JSON.parse(readFileSync(path.join(tmp, String(k), 'out.json'), 'utf8'), (_, v: unknown) =>
                    typeof v === 'string' && /^-?(nan|inf)$/.test(v) ? parse(v) : v,
                ) as Expected,
            ),
        );
    }, 900_000);

    it('covers every example and the good corpus', () => {
        expect(cases.map(c => c.name)).toEqual(expect.arrayContaining(['examples/vae.gm', 'examples/ddpm.gm', 'examples/iwae.gm', 'examples/hvae.gm']));
        expect(cases.length).toBeGreaterThan(10);
    });

    it.for(cases)('$name: every term, the loss and the samples agree', c => {
        const name = c.name;
        const ref = expected.get(name)!;
        const got = actual.get(name)!;
        for (const which of ['loss', 'bound'] as const) {
            expect(Object.keys(got[which].terms).sort(), `${which} terms`).toEqual(Object.keys(ref[which].terms).sort());
            // An example whose bound is NaN on TensorFlow.js (a raw network output as a standard deviation, in the corpus)
            // must be NaN here too; its terms are not compared one by one: TensorFlow.js's relu maps NaN to 0, PyTorch's keeps it.
            const ids = Object.keys(ref[which].terms);
            const sum = (terms: Record<string, number[]>, i: number) => ids.reduce((a, id) => a + terms[id]![i]!, 0);
            const examples = ref[which].terms[ids[0]!]!.map((_, i) => i);
            const broken = examples.filter(i => Number.isNaN(sum(ref[which].terms, i)));
            for (const i of broken) expect(sum(got[which].terms, i), `${which}: the bound of example ${i} is NaN on TensorFlow.js`).toBeNaN();
            const kept = examples.filter(i => !broken.includes(i));
            for (const [term, all] of Object.entries(ref[which].terms)) {
                const values = kept.map(i => all[i]!);
                const py = kept.map(i => got[which].terms[term]![i]!);
                if (kept.length) expect(relative(mean(py), mean(values)), `${which} ${term}: ${mean(py)} vs ${mean(values)}`).toBeLessThan(RELATIVE);
                const scale = Math.max(...values.map(Math.abs), 1e-6);
                py.forEach((v, i) => expect(Math.abs(v - values[i]!) / scale, `${which} ${term}[${kept[i]}]: ${v} vs ${values[i]}`).toBeLessThan(RELATIVE));
            }
            if (!broken.length) expect(relative(got[which].loss, ref[which].loss), `${which}: loss ${got[which].loss} vs ${ref[which].loss}`).toBeLessThan(RELATIVE);
        }
        expect(got.samples.length).toBe(ref.samples.length);
        const scale = Math.max(...ref.samples.map(Math.abs), 1e-6);
        const worst = Math.max(...got.samples.map((v, i) => Math.abs(v - ref.samples[i]!) / scale));
        // A learned Σ_θ under DDIM reads v back from σ_t² (v = (log σ_t² − c_t)/d_t, chain-sampler.ts), and d_t → 0 as
        // β̃_t → β_t at large t: the networks' last-bit differences come out amplified there, on either target alike.
        const learned = c.derivation.chains.some(ch => ch.varianceForm?.form === 'interpolation');
        expect(worst, 'samples').toBeLessThan(learned ? 1e-3 : 1e-4);
    });
});
