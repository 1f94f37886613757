import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseHelper } from 'langium/test';
import type { Document } from '../src/generated/ast.js';
import type { GmServices } from '../src/gm-module.js';
import { modelGraph } from '../src/graph/model-graph.js';
import { testServices } from './services.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

async function graphOf(file: string) {
    const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf-8');
    const document = await parseHelper<Document>(services)(text, { documentUri: `file:///graph/${file}` });
    return modelGraph(services.ir.ModelCache.get(document.parseResult.value.models[0]!).model);
}

const edgesOf = (g: Awaited<ReturnType<typeof graphOf>>) => g.edges.map(e => `${e.from} ${e.kind === 'p' ? '->' : '-->'} ${e.to}`).sort();

describe('the model graph', () => {
    test("the VAE is Kingma & Welling's Figure 1", async () => {
        const g = await graphOf('vae.gm');
        expect(g.nodes.map(n => [n.id, n.kind])).toEqual([
            ['x', 'observed'],
            ['z', 'latent'],
            ['θ', 'parameter'],
            ['φ', 'parameter'],
        ]);
        expect(edgesOf(g)).toEqual(['x --> z', 'z -> x', 'θ -> x', 'φ --> z']);
        expect(g.plate.nodes).toEqual(['x', 'z']);
        expect(g.nodes.find(n => n.id === 'θ')!.networks).toEqual(['decoder']);
    });

    test('the hierarchical VAE has the generative chain z2 → z1 → x and the bottom-up posterior', async () => {
        const g = await graphOf('hvae.gm');
        expect(edgesOf(g)).toEqual(['x --> z1', 'z1 --> z2', 'z1 -> x', 'z2 -> z1', 'θ -> x', 'θ -> z1', 'φ --> z1', 'φ --> z2']);
    });

    test('a DDPM is drawn as a chain: forward dashed, reverse solid, x0 observed', async () => {
        const g = await graphOf('ddpm.gm');
        expect(g.chains).toEqual([{ name: 'x', nodes: ['x[0]', 'x[t-1]', 'x[t]', 'x[T]'] }]);
        expect(g.nodes.find(n => n.id === 'x[0]')).toMatchObject({ label: 'x₀', kind: 'observed' });
        expect(edgesOf(g)).toEqual(['x[0] --> x[t-1]', 'x[T] -> x[t]', 'x[t-1] --> x[t]', 'x[t-1] -> x[0]', 'x[t] --> x[T]', 'x[t] -> x[t-1]', 'θ -> x[t-1]']);
        expect(g.nodes.some(n => n.id === 'φ')).toBe(false); // the forward process has no parameters
    });
});
