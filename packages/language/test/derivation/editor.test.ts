/**
 * The bound in the editor, through langium/test and the real services: the hover on a model's
 * name and on a factor, and the code lens above each model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { expectHover, parseHelper } from 'langium/test';
import type { Document } from '../../src/generated/ast.js';
import type { GmServices } from '../../src/gm-module.js';
import { GmCodeLensProvider, LENS_COMMANDS } from '../../src/lsp/gm-code-lens.js';
import { testServices } from '../services.js';
import { EXAMPLES } from './models.js';

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

const vae = fs.readFileSync(path.join(EXAMPLES, 'vae.gm'), 'utf-8');
const ddpm = fs.readFileSync(path.join(EXAMPLES, 'ddpm.gm'), 'utf-8');

describe('hover', () => {
    test('on a model name: the bound term by term', async () => {
        await expectHover(services)({
            text: vae.replace('model VAE', 'model V<|>AE'),
            index: 0,
            hover: /ELBO\(x\) = E_q\(z \| x\)\[log p\(x \| z\)\] − KL\(q\(z \| x\) ‖ p\(z\)\)[\s\S]*reparameterized z = μ \+ σ ⊙ ε[\s\S]*−½ Σ_j \(1 \+ log σ_j² − μ_j² − σ_j²\)/,
        });
    });

    test('on a DDPM: the decomposition and the ε-form', async () => {
        await expectHover(services)({
            text: ddpm.replace('model DDPM', 'model DD<|>PM'),
            index: 0,
            hover: /L_T \+ Σ_\{t=2..T\} L_\{t−1\} \+ L_0[\s\S]*β_t² \/ \(2σ_t² α_t \(1 − ᾱ_t\)\)[\s\S]*L_simple/,
        });
    });

    test('on a factor: the terms it enters', async () => {
        await expectHover(services)({
            text: vae.replace('q(z | x) = Normal', 'q<|>(z | x) = Normal'),
            index: 0,
            hover: /Enters the bound of VAE in[\s\S]*KL\(q\(z \| x\) ‖ p\(z\)\)[\s\S]*reparameterized/,
        });
    });

    test('on a reverse factor with a learned Σ_θ: its form and the stop-gradient of the hybrid objective', async () => {
        const learned = fs.readFileSync(path.join(EXAMPLES, 'ddpm-mlp-learned.gm'), 'utf-8');
        await expectHover(services)({
            text: learned.replace('p(x[t-1] | x[t]) = Normal', 'p<|>(x[t-1] | x[t]) = Normal'),
            index: 0,
            hover: /Enters the bound of TinyDDPMLearned in[\s\S]*learned σ_t² = exp\(v log β_t \+ \(1 − v\) log β̃_t\)[\s\S]*sg\(μ_θ\): trains σ_t² only/,
        });
    });

    test('a model the rules do not cover says why', async () => {
        // A forward process with a learned coefficient has no closed-form q(x_t | x_0).
        const text = ddpm.replace('model DDPM', 'model DD<|>PM').replace('q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1]', 'q(x[t] | x[t-1]) = Normal(eps(x[t-1], t)');
        await expectHover(services)({ text, index: 0, hover: /\*\*No bound[\s\S]*(learned coefficients|error)/ });
    });
});

describe('code lens', () => {
    test('one lens per model with the bound on one line', async () => {
        const document = await parseHelper<Document>(services)(vae + '\n' + ddpm.replace(/\/\*\*[\s\S]*?\*\/\n/, ''));
        const lenses = await new GmCodeLensProvider(services.ir.ModelCache).provideCodeLens(document, { textDocument: { uri: document.uri.toString() } });
        const bounds = lenses?.filter(l => l.command?.command === LENS_COMMANDS.derivation);
        expect(bounds?.map(l => l.command?.title)).toEqual(['ELBO(x) = E_q(z | x)[log p(x | z)] − KL(q(z | x) ‖ p(z))', '−log p(x_0) ≤ L_T + Σ_{t=2..T} L_{t−1} + L_0']);
        expect(bounds?.[1]?.command?.arguments).toEqual([document.uri.toString(), 'DDPM']);
    });

    test('after an edit, only the edited model is derived again, and every lens is what a fresh provider shows', async () => {
        const provider = new GmCodeLensProvider(services.ir.ModelCache);
        const lensesOf = async (text: string, p: GmCodeLensProvider) => {
            const document = await parseHelper<Document>(services)(text);
            return (await p.provideCodeLens(document, { textDocument: { uri: document.uri.toString() } }))?.map(
                l => `${l.range.start.line}:${l.range.start.character} ${l.command?.title}`,
            );
        };
        const many = [vae, vae.replace('model VAE', 'model Second'), ddpm].join('\n');
        await lensesOf(many, provider);
        const derived = vi.spyOn(services.ir.ModelCache, 'bound');
        // The second model loses its prior (no bound), and every model moves down a line.
        const edited = '// a new first line\n' + many.replace(/(model Second[\s\S]*?)p\(z\)\s*= Normal\(0, 1\)[^\n]*\n/, '$1');
        const lenses = await lensesOf(edited, provider);
        expect(derived.mock.calls.map(([model]) => model.name)).toEqual(['Second']);
        derived.mockRestore();
        expect(lenses).toEqual(await lensesOf(edited, new GmCodeLensProvider(services.ir.ModelCache)));
        expect(lenses?.filter(l => l.includes('no bound'))).toHaveLength(1);
        expect(lenses?.[0]).toMatch(/^\d+:6 ELBO/);
    });
});
