/**
 * The structural checks called directly on the model IR, as the runtime calls them: each group on
 * models that break one rule, with the numbers the messages report checked by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseHelper } from 'langium/test';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Document } from '../../src/generated/ast.js';
import type { GmServices } from '../../src/gm-module.js';
import type { ModelIR } from '../../src/ir/types.js';
import type { Finding, Report } from '../../src/validation/finding.js';
import { checkEstimators } from '../../src/validation/estimators.js';
import { checkGraph } from '../../src/validation/graph.js';
import { checkUnused, checkUsedBeforeDefinition } from '../../src/validation/names.js';
import { checkOptions } from '../../src/validation/options.js';
import { checkParameters } from '../../src/validation/parameters.js';
import { checkRoles } from '../../src/validation/roles.js';
import { checkShapes, sizer } from '../../src/validation/shapes.js';
import { checkModel } from '../../src/validation/structure.js';
import { edit, TINY_DDPM as TINY, VAE } from '../fixtures.js';
import { testServices } from '../services.js';

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

const EXAMPLES = path.resolve(import.meta.dirname, '../../../../examples');

let counter = 0;
async function parse(text: string) {
    const document = await parseHelper<Document>(services)(text, { documentUri: `file:///checks-${++counter}.gm` });
    await services.shared.workspace.DocumentBuilder.build([document]);
    return document.parseResult.value.models[0]!;
}

async function lower(text: string): Promise<ModelIR> {
    const result = services.ir.ModelCache.get(await parse(text));
    expect(result.incomplete).toBeUndefined();
    return result.model;
}

async function run(check: (ir: ModelIR, report: Report) => void, text: string): Promise<Finding[]> {
    const ir = await lower(text);
    const findings: Finding[] = [];
    check(ir, f => findings.push(f));
    return findings;
}

const codes = (findings: Finding[]) => findings.map(f => f.code);

/** Runs one check, expects exactly one finding and of `code`, and returns it for its message to be checked. */
async function onlyFinding(check: (ir: ModelIR, report: Report) => void, text: string, code: string): Promise<Finding> {
    const findings = await run(check, text);
    expect(codes(findings)).toEqual([code]);
    return findings[0]!;
}

describe('the examples pass every structural check', () => {
    const files = fs
        .readdirSync(EXAMPLES)
        .filter(f => f.endsWith('.gm'))
        .sort();
    test.each(files)('%s', async file => {
        const ir = await lower(fs.readFileSync(path.join(EXAMPLES, file), 'utf-8'));
        expect(checkModel(ir)).toEqual([]);
    });
});

describe('roles', () => {
    test('the VAE is clean', async () => expect(await run(checkRoles, VAE)).toEqual([]));

    test('a latent without q carries what the quick fix needs', async () => {
        const [finding, ...rest] = await run(checkRoles, edit(VAE, ['  q(z | x) = Normal(mean: encoder(x)[0:20], logvar: encoder(x)[20:40])\n', '']));
        expect(rest).toEqual([]);
        expect(finding).toMatchObject({ code: 'latent-without-q', severity: 'error', data: { variable: 'z', size: 20, given: 'x', givenSize: 784 } });
        expect(finding!.range.start.line).toBe(3);
    });

    test('q-factors that condition on each other have no sampling order', async () => {
        const hvae = `model H {
  data mnist = images("mnist", binarize: fixed)
  observed x : Real[784] from mnist
  latent a : Real[4]
  latent b : Real[4]
  p(a) = Normal(0, 1)
  p(b | a) = Normal(a, 1)
  p(x | b) = Bernoulli(probs: 0.5)
  q(a | b) = Normal(b, 1)
  q(b | a) = Normal(a, 1)
}`;
        expect((await onlyFinding(checkRoles, hvae, 'q-cycle')).message).toContain('a → b → a');
    });

    test('a distribution that reads what it does not condition on', async () => {
        const finding = await onlyFinding(checkRoles, edit(VAE, ['q(z | x) =', 'q(z) =']), 'undeclared-dependency');
        expect(finding.message).toBe("q(z) reads 'x' but does not condition on it; add it after '|'");
    });

    test('chain elements are compared by index, not by position in the text', async () => {
        expect(await run(checkRoles, TINY)).toEqual([]);
        const findings = await run(checkRoles, edit(TINY, ['Normal(sqrt(1 - beta[t]) * x[t-1]', 'Normal(sqrt(1 - beta[t]) * x[t-2]']));
        expect(codes(findings)).toEqual(['undeclared-dependency']);
    });
});

describe('graph', () => {
    test('the DDPM chain is complete', async () => expect(await run(checkGraph, TINY)).toEqual([]));

    test('x[t+1] leaves the range at t = T', async () => {
        const model = edit(TINY, ['q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1]', 'q(x[t+1] | x[t]) = Normal(sqrt(1 - beta[t]) * x[t]']);
        expect((await onlyFinding(checkGraph, model, 'chain-index-range')).message).toContain('(at t = 200)');
    });

    test('x[t-2] leaves the range at t = 1', async () => {
        const finding = await onlyFinding(checkGraph, edit(TINY, ['* x[t-1], var', '* x[t-2], var']), 'chain-index-range');
        expect(finding.message).toContain('(at t = 1)');
    });

    test('a schedule shorter than the chain is found at its first missing step', async () => {
        const finding = await onlyFinding(checkGraph, edit(TINY, ['schedule beta[t in 1..T]', 'schedule beta[t in 1..150]']), 'sequence-range');
        expect(finding.message).toContain('reads it at 151 (t = 151)');
    });

    test('each missing part of the chain is named', async () => {
        const bare = edit(TINY, ['  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])\n', ''], ['  p(x[T]) = Normal(0, 1)\n', '']);
        const findings = await run(checkGraph, bare);
        expect(codes(findings)).toEqual(['chain-without-forward', 'chain-without-prior']);
        expect(findings[1]!.data).toEqual({ chain: 'x', upper: 'T', index: 't' });
    });

    test('a forward process with a network is reported', async () => {
        const learned = edit(TINY, ['Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])', 'Normal(eps(x[t-1], t), var: beta[t])']);
        expect(codes(await run(checkGraph, learned))).toEqual(['learned-forward']);
    });
});

describe('shapes', () => {
    test('sizes of expressions: slices, broadcasting, networks', async () => {
        const ir = await lower(VAE);
        const found: Finding[] = [];
        const size = sizer(ir, f => found.push(f));
        const q = ir.factors.find(f => f.id === 'q(z|x)')!;
        expect(size(q.distribution.params['mean']!)).toBe(20);
        const p = ir.factors.find(f => f.id === 'p(x|z)')!;
        expect(size(p.distribution.params['logits']!)).toBe(784);
        expect(size({ kind: 'binary', op: '*', left: { kind: 'number', value: 2 }, right: { kind: 'variable', name: 'z' } })).toBe(20);
        expect(size({ kind: 'binary', op: '+', left: { kind: 'variable', name: 'x' }, right: { kind: 'variable', name: 'z' } })).toBeUndefined();
        expect(codes(found)).toEqual(['operand-shape']);
    });

    test.each([
        ['Real[784]', []],
        ['Real[1, 28, 28]', []],
        ['Real[28, 28]', ['observed-shape']],
        ['Real[785]', ['observed-shape']],
    ])('observed x : %s against 1×28×28 MNIST', async (type, expected) => {
        const model = edit(VAE, ['observed x : Real[784]', `observed x : ${type}`]);
        expect(codes((await run(checkShapes, model)).filter(f => f.code.startsWith('observed')))).toEqual(expected);
    });

    test('slices that add up to less than the output', async () => {
        const findings = await run(checkShapes, edit(VAE, ['MLP(784 -> 400 -> 2 * 20', 'MLP(784 -> 400 -> 45']));
        expect(findings).toMatchObject([{ code: 'network-output-unused', data: { network: 'encoder', end: 'output', size: 40 } }]);
    });

    test('slices with a gap are not offered a width', async () => {
        const findings = await run(checkShapes, edit(VAE, ['encoder(x)[20:40]', 'encoder(x)[25:45]'], ['2 * 20', '45']));
        expect(findings.map(f => [f.code, f.data])).toEqual([['network-output-unused', undefined]]);
        expect(findings[0]!.message).toContain('leave 5 of its 45 outputs unused');
    });
});

describe('parameters', () => {
    test('a schedule is found at its first value outside (0, 1)', async () => {
        // linear from 1e-4 to 1.2 over 200 steps: 1e-4 + (1.2 − 1e-4)·166/199 = 1.00102 at t = 167.
        const finding = await onlyFinding(checkParameters, edit(TINY, ['linear(1e-4, 0.05)', 'linear(1e-4, 1.2)']), 'schedule-range');
        expect(finding.message).toMatch(/^beta\[167\] = 1\.00102 /);
    });

    test('a variance sequence is evaluated at every step', async () => {
        const model = edit(TINY, ['  let alphabar[t]', '  let s2[t] = beta[t] - 0.0002\n  let alphabar[t]'], ['sqrt(alpha[t]), var: beta[t])', 'sqrt(alpha[t]), var: s2[t])']);
        const findings = await run(checkParameters, model);
        // β_t = 1e-4 + (0.05 − 1e-4)(t − 1)/199 exceeds 2e-4 from t = 2 on.
        expect(findings.map(f => f.message)).toEqual(['var of p(x[t-1] | x[t]) is -0.0001 at t = 1; a variance must be positive']);
    });

    test('raw scale, raw probabilities and constants out of range', async () => {
        expect(codes(await run(checkParameters, edit(VAE, ['logvar: encoder', 'std: encoder'])))).toEqual(['raw-scale']);
        expect(codes(await run(checkParameters, edit(VAE, ['logits: decoder(z)', 'probs: decoder(z)'])))).toEqual(['raw-probs']);
        expect(codes(await run(checkParameters, edit(VAE, ['logits: decoder(z)', 'probs: -0.5'])))).toEqual(['probs-range']);
        expect(codes(await run(checkParameters, edit(VAE, ['Normal(0, 1)', 'Normal(0, -2)'])))).toEqual(['scale-not-positive']);
    });

    test('training options in their domains', async () => {
        const findings = await run(checkParameters, edit(VAE, ['batch: 128, epochs: 10', 'batch: 0.5, epochs: 10, lr: 0, k: 2.5']));
        expect(findings.map(f => f.message)).toEqual(['the learning rate lr = 0 must be positive', 'batch = 0.5 must be an integer ≥ 1', 'k = 2.5 must be an integer ≥ 1']);
    });

    test('Bernoulli on grey levels, not on binarized data', async () => {
        expect(await run(checkParameters, VAE)).toEqual([]);
        expect(codes(await run(checkParameters, edit(VAE, [', binarize: fixed', ''])))).toEqual(['bernoulli-non-binary']);
    });
});

describe('estimators and options', () => {
    test('beta below 1 is not a bound; above 1 is', async () => {
        expect(codes(await run(checkEstimators, edit(VAE, ['seed: 1', 'seed: 1, beta: 0.25'])))).toEqual(['beta-not-bound']);
        expect(await run(checkEstimators, edit(VAE, ['seed: 1', 'seed: 1, beta: 4']))).toEqual([]);
    });

    test('options of diffusion models on a VAE, and of VAEs on a diffusion model', async () => {
        expect(codes(await run(checkOptions, edit(VAE, ['seed: 1', 'seed: 1, objective: vlb, lambda: 0.1, ema: 0.99'])))).toEqual([
            'option-not-applicable',
            'option-not-applicable',
        ]);
        expect(codes(await run(checkOptions, edit(TINY, ['seed: 0', 'seed: 0, k: 5'])))).toEqual(['option-not-applicable']);
        expect(await run(checkOptions, edit(TINY, ['seed: 0', 'seed: 0, k: 1']))).toEqual([]);
    });

    test('a misspelt dataset is not taken for a path', async () => {
        const findings = await run(checkOptions, edit(VAE, ['images("mnist"', 'images("fashion_mnist"']));
        expect(findings[0]!.message).toContain('did you mean "fashion-mnist"?');
        expect(await run(checkOptions, edit(VAE, ['images("mnist"', 'images("./digits/train-images-idx3-ubyte.gz"']))).toEqual([]);
    });
});

describe('names', () => {
    test('a let that reads a schedule declared below it', async () => {
        const model = await parse(
            edit(TINY, [
                '  schedule beta[t in 1..T] = linear(1e-4, 0.05)\n  let alpha[t] = 1 - beta[t]',
                '  let alpha[t] = 1 - beta[t]\n  schedule beta[t in 1..T] = linear(1e-4, 0.05)',
            ]),
        );
        expect(checkUsedBeforeDefinition(model).map(f => f.message)).toEqual(["'beta' is used before its declaration on line 4; move that declaration above this one"]);
    });

    test('factors may use names declared anywhere', async () => {
        const model = await parse(edit(VAE, ['  train {', '  net late = MLP(20 -> 784)\n  train {'], ['decoder(z)', 'late(z)']));
        expect(checkUsedBeforeDefinition(model)).toEqual([]);
        expect(checkUnused(model).map(f => f.message)).toEqual(["network 'decoder' is never used; remove it or use it"]);
    });
});
