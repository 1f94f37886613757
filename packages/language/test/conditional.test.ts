/**
 * Networks with several inputs, named heads, concat, and label variables: what lowering makes of
 * them (heads are slices of the one output, a condition is given but not generated), the shapes
 * validation counts, the bound derived on log p(x | y), and the hover.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { expectHover, parseHelper } from 'langium/test';
import type { Document } from '../src/generated/ast.js';
import type { GmServices } from '../src/gm-module.js';
import { conditionsOf, modeledObserved } from '../src/ir/conditions.js';
import type { IRExpr, MlpIR } from '../src/ir/types.js';
import { deriveBound } from '../src/derivation/derive.js';
import { Code } from '../src/validation/codes.js';
import { testServices } from './services.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
const cvae = fs.readFileSync(path.join(EXAMPLES, 'cvae.gm'), 'utf-8');

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

let counter = 0;
async function load(text: string) {
    const document = await parseHelper<Document>(services)(text, { documentUri: `file:///conditional-${++counter}.gm`, validation: true });
    expect(document.parseResult.parserErrors).toEqual([]);
    const model = document.parseResult.value.models[0]!;
    return { ...services.ir.ModelCache.get(model), diagnostics: document.diagnostics ?? [] };
}

/** Lowered parameters with their source ranges dropped, to compare two spellings of one model. */
const strip = (e: IRExpr): unknown => JSON.parse(JSON.stringify(e, (k, v: unknown) => (k === 'range' || k === 'head' ? undefined : v)));

describe('named heads', () => {
    test('lower to the slices of the one output they name', async () => {
        const named = await load(cvae);
        const sliced = await load(
            cvae.replace('(mean: 2, logvar: 2)', '4').replace('encoder(x, y).mean', 'encoder(x, y)[0:2]').replace('encoder(x, y).logvar', 'encoder(x, y)[2:4]'),
        );
        const q = (r: typeof named) => r.model.factors.find(f => f.id === 'q(z|x,y)')!.distribution.params;
        expect(strip(q(named)['mean']!)).toEqual(strip(q(sliced)['mean']!));
        expect(strip(q(named)['logvar']!)).toEqual(strip(q(sliced)['logvar']!));
        expect(q(named)['logvar']).toMatchObject({ kind: 'slice', lower: 2, upper: 4, head: 'logvar' });
        const encoder = named.model.networks.find(n => n.name === 'encoder') as MlpIR;
        expect(encoder.layers).toEqual([794, 400, 4]);
        expect(encoder.heads).toEqual([
            { name: 'mean', lower: 0, upper: 2 },
            { name: 'logvar', lower: 2, upper: 4 },
        ]);
        expect(named.diagnostics).toEqual([]);
    });

    test('render as written in the derivation, text and LaTeX', async () => {
        const { model } = await load(cvae);
        const result = deriveBound(model);
        if (!result.ok) throw new Error('no bound');
        const kl = result.derivation.terms.find(t => t.id === 'kl(z)')!;
        expect(kl.detail.map(d => d.text).join('\n')).toContain('μ = encoder(x, y).mean, log σ² = encoder(x, y).logvar');
        expect(kl.detail.map(d => d.latex).join('\n')).toContain('\\mathrm{encoder}(x, y)_{\\mathrm{mean}}');
    });
});

describe('networks with several inputs', () => {
    test('take the sum of their inputs’ sizes, and name each part when it does not match', async () => {
        const { diagnostics } = await load(cvae.replace('MLP(2 + 10 -> 400 -> 784', 'MLP(2 -> 400 -> 784'));
        expect(diagnostics.map(d => [d.code, d.message])).toEqual([
            [Code.NetworkInputSize, "'decoder' takes 2 inputs but gets z (2) + y (10) = 12 values here; change its input width to 12: MLP(12 -> …)"],
        ]);
    });

    test('concat(a, b) has the size of both; the derivation shows it as written', async () => {
        const { model, diagnostics } = await load(cvae.replace('decoder(z, y)', 'decoder(concat(z, y))'));
        expect(diagnostics).toEqual([]);
        const result = deriveBound(model);
        if (!result.ok) throw new Error('no bound');
        expect(result.derivation.summary.text).toContain('ELBO(x)');
        expect(JSON.stringify(result.derivation.terms[0]!.detail)).toContain('decoder(concat(z, y))');
        const wrong = await load(cvae.replace('decoder(z, y)', 'decoder(concat(z, z))'));
        expect(wrong.diagnostics.map(d => d.code)).toEqual([Code.NetworkInputSize]);
        expect(wrong.diagnostics[0]!.message).toContain('gets 4 values');
    });
});

describe('labels', () => {
    test('Int[10] from mnist.labels is one-hot over the 10 classes, Int the class index', async () => {
        const onehot = await load(cvae);
        expect(onehot.model.variables.find(v => v.name === 'y')).toMatchObject({ role: 'observed', data: 'mnist', labels: { encoding: 'one-hot', classes: 10 }, shape: [10] });
        const index = await load(cvae.replace('Int[10] from', 'Int from').replace('2 + 10', '2 + 1').replace('784 + 10', '784 + 1'));
        expect(index.diagnostics).toEqual([]);
        expect(index.model.variables.find(v => v.name === 'y')!.labels).toEqual({ encoding: 'index' });
    });

    test('a label variable with no factor is a condition: the bound is on log p(x | y) over the image’s dimensions', async () => {
        const { model } = await load(cvae);
        expect(conditionsOf(model).map(v => v.name)).toEqual(['y']);
        expect(modeledObserved(model).map(v => v.name)).toEqual(['x']);
        const result = deriveBound(model);
        if (!result.ok) throw new Error('no bound');
        expect(result.derivation.dimensions).toBe(784);
        expect(result.derivation.steps.map(s => s.text).join('\n')).toContain('log p(x | y) ≥ E_q(z | x, y)[log p(x | z, y)] − KL(q(z | x, y) ‖ p(z | y))');
    });

    test('an image variable without a likelihood is still an error', async () => {
        const { diagnostics } = await load(cvae.replace('p(x | z, y) = Bernoulli(logits: decoder(z, y))', ''));
        expect(diagnostics.map(d => d.code)).toContain(Code.ObservedWithoutP);
    });
});

describe('hover', () => {
    test('on a network with heads, and on a label variable', async () => {
        await expectHover(services)({
            text: cvae.replace('net encoder', 'net enc<|>oder'),
            index: 0,
            hover: /MLP 794 → 400 → \(mean: 2, logvar: 2\)[\s\S]*encoder\(…\)\.mean = encoder\(…\)\[0:2\], encoder\(…\)\.logvar = encoder\(…\)\[2:4\]/,
        });
        await expectHover(services)({
            text: cvae.replace('observed y :', 'observed <|>y :'),
            index: 0,
            hover: /from mnist\.labels[\s\S]*one-hot over 10 classes[\s\S]*a condition, the model is p\(… \| y\)/,
        });
    });
});
