import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseHelper } from 'langium/test';
import type { Document } from '../src/generated/ast.js';
import type { GmServices } from '../src/gm-module.js';
import type { LoweringResult, ModelIR, SequenceIR } from '../src/ir/types.js';
import { testServices } from './services.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const EXAMPLES = path.join(ROOT, 'examples');
const GOLDEN = path.join(ROOT, 'test', 'golden', 'ir');

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

let counter = 0;
async function lower(text: string, uri = `file:///model-${++counter}.gm`) {
    const document = await parseHelper<Document>(services)(text, { documentUri: uri, validation: true });
    expect(document.parseResult.parserErrors).toEqual([]);
    return document.parseResult.value.models.map(m => services.ir.ModelCache.get(m));
}

/** Long schedules are summarized in the snapshot: length, ends and sum pin them down. */
function summarize(model: ModelIR): unknown {
    const sequences = model.sequences.map((s: SequenceIR) =>
        s.values ? { ...s, values: { length: s.values.length, first: s.values.slice(0, 3), last: s.values.slice(-3), sum: s.values.reduce((a, b) => a + b, 0) } } : s,
    );
    return { ...model, uri: path.relative(ROOT, new URL(model.uri).pathname), sequences };
}

describe('the IR of every example (golden snapshots)', () => {
    const examples = fs
        .readdirSync(EXAMPLES)
        .filter(f => f.endsWith('.gm'))
        .sort();

    test('there are examples', () => expect(examples.length).toBeGreaterThanOrEqual(7));

    test.each(examples)('%s', async file => {
        const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf-8');
        const results = await lower(text, `file://${path.join(EXAMPLES, file)}`);
        for (const { problems } of results) expect(problems).toEqual([]);
        const actual =
            JSON.stringify(
                results.map(r => summarize(r.model)),
                null,
                2,
            ) + '\n';
        const golden = path.join(GOLDEN, file.replace(/\.gm$/, '.json'));
        if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(golden, actual);
        expect(actual).toBe(fs.readFileSync(golden, 'utf-8'));
    });
});

describe('lowering', () => {
    const ddpm = (schedule: string, lets = '') => `model D {
  const T = 1000
  schedule beta[t in 1..T] = ${schedule}
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  ${lets}
}`;

    test('a linear schedule runs from start to end over the index range', async () => {
        const [{ model }] = (await lower(ddpm('linear(1e-4, 0.02)'))) as [LoweringResult];
        const beta = model.sequences[0]!;
        expect([beta.lower, beta.upper, beta.values!.length]).toEqual([1, 1000, 1000]);
        expect(beta.values![0]).toBeCloseTo(1e-4, 12);
        expect(beta.values![999]).toBeCloseTo(0.02, 12);
        expect(beta.values![1]! - beta.values![0]!).toBeCloseTo((0.02 - 1e-4) / 999, 12);
    });

    test('ᾱ is the cumulative product of α, with ᾱ₀ = 1 (the empty product)', async () => {
        const [{ model }] = (await lower(ddpm('linear(1e-4, 0.02)'))) as [LoweringResult];
        const [beta, alpha, alphabar] = model.sequences as [SequenceIR, SequenceIR, SequenceIR];
        expect([alpha.lower, alpha.upper]).toEqual([1, 1000]);
        expect([alphabar.lower, alphabar.upper]).toEqual([0, 1000]);
        expect(alphabar.values![0]).toBe(1);
        let product = 1;
        for (let t = 1; t <= 1000; t++) {
            product *= 1 - beta.values![t - 1]!;
            expect(alphabar.values![t]).toBeCloseTo(product, 12);
        }
        // Ho et al. report ᾱ_T ≈ 4e-5 for this schedule: x_T is nearly pure noise.
        expect(alphabar.values![1000]).toBeGreaterThan(3e-5);
        expect(alphabar.values![1000]).toBeLessThan(5e-5);
    });

    test('the cosine schedule reproduces ᾱ(t) = f(t)/f(0) of Nichol & Dhariwal', async () => {
        const [{ model }] = (await lower(ddpm('cosine(s: 0.008)'))) as [LoweringResult];
        const alphabar = model.sequences[2]!;
        const f = (t: number) => Math.cos((((t / 1000 + 0.008) / 1.008) * Math.PI) / 2) ** 2;
        for (const t of [1, 10, 100, 500, 900]) expect(alphabar.values![t]).toBeCloseTo(f(t) / f(0), 10);
        expect(model.sequences[0]!.values![999]).toBe(0.999); // β clipped at max
    });

    test('a quadratic schedule is the square of a linear one in √β', async () => {
        const [{ model }] = (await lower(ddpm('quadratic(1e-4, 0.02)'))) as [LoweringResult];
        const beta = model.sequences[0]!.values!;
        expect(beta[0]).toBeCloseTo(1e-4, 12);
        expect(beta[999]).toBeCloseTo(0.02, 12);
        expect(Math.sqrt(beta[500]!) - Math.sqrt(beta[499]!)).toBeCloseTo((Math.sqrt(0.02) - Math.sqrt(1e-4)) / 999, 12);
    });

    test('an explicit schedule lists one value per index', async () => {
        const [{ model, problems }] = (await lower('model D {\n  schedule beta[t in 1..3] = [0.1, 0.2, 0.3]\n}')) as [LoweringResult];
        expect(problems).toEqual([]);
        expect(model.sequences[0]).toMatchObject({ scheduleKind: 'explicit', values: [0.1, 0.2, 0.3] });
    });

    test('β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) β_t is evaluated where it is defined', async () => {
        const [{ model }] = (await lower(ddpm('linear(1e-4, 0.02)', 'let betatilde[t] = (1 - alphabar[t - 1]) / (1 - alphabar[t]) * beta[t]'))) as [LoweringResult];
        const [beta, , alphabar, betatilde] = model.sequences as [SequenceIR, SequenceIR, SequenceIR, SequenceIR];
        expect([betatilde.lower, betatilde.upper]).toEqual([1, 1000]);
        expect(betatilde.values![0]).toBe(0);
        const t = 500;
        expect(betatilde.values![t - 1]).toBeCloseTo(((1 - alphabar.values![t - 1]!) / (1 - alphabar.values![t]!)) * beta.values![t - 1]!, 14);
    });

    test('positional distribution arguments are named, and options are read', async () => {
        const [{ model }] = (await lower(fs.readFileSync(path.join(EXAMPLES, 'vae.gm'), 'utf-8'))) as [LoweringResult];
        expect(Object.keys(model.factors[0]!.distribution.params)).toEqual(['mean', 'std']);
        expect(model.factors.map(f => f.id)).toEqual(['p(z)', 'p(x|z)', 'q(z|x)']);
        expect(model.networks[0]).toMatchObject({ architecture: 'MLP', layers: [784, 400, 40], activation: 'relu', inputSize: 784, outputSize: 40 });
        expect(model.train).toMatchObject({ optimizer: { name: 'Adam', lr: 1e-3 }, batch: 128, steps: 4690, seed: 1, beta: 1, k: 1 });
        expect(model.data[0]).toMatchObject({ dataset: 'mnist', split: 'train', binarize: 'fixed', valueRange: [0, 1] });
    });

    test('an unknown option is reported with the known ones', async () => {
        const [{ problems }] = (await lower('model M {\n  train { batch: 32, bacth: 64 }\n}')) as [LoweringResult];
        expect(problems).toHaveLength(1);
        expect(problems[0]!.message).toMatch(/^unknown option 'bacth' in train; known options: optimizer, lr, batch/);
        expect(problems[0]!.range).toEqual({ start: { line: 1, character: 21 }, end: { line: 1, character: 30 } });
    });
});
