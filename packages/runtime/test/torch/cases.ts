/**
 * The models the PyTorch target must agree on: every example, the editor test's fixture, and every
 * model of the corpus that checks without errors and compiles (those that do not compile for
 * TensorFlow.js either, listed with the reason, have no program to compare); and one of importance-sampled t.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type ModelIR } from '@gm/language';
import { deriveFromLowering, type Derivation } from '@gm/language/derivation';
import { compileBound } from '../../src/compile/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function gmFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? gmFiles(path.join(dir, e.name)) : e.name.endsWith('.gm') ? [path.join(dir, e.name)] : []));
}

/** Corpus entries whose expected `gm check` output has no error. */
function goodCorpus(): string[] {
    return gmFiles(path.join(ROOT, 'test/corpus')).filter(f => {
        const expected = f.replace(/\.gm$/, '.expected');
        return existsSync(expected) && !/: error:/.test(readFileSync(expected, 'utf8'));
    });
}

export interface Case {
    name: string;
    file: string;
    model: ModelIR;
    derivation: Derivation;
}

export async function conformanceCases(): Promise<{ cases: Case[]; excluded: string[] }> {
    const files = [...gmFiles(path.join(ROOT, 'examples')), ...gmFiles(path.join(ROOT, 'test/e2e/fixtures')), ...goodCorpus()].sort();
    const cases: Case[] = [];
    const excluded: string[] = [];
    for (const file of files) {
        const name = path.relative(ROOT, file);
        const { result } = await loadModel(file);
        const derived = deriveFromLowering(result);
        if (!derived.ok) {
            excluded.push(`${name}: no bound (${derived.failure.reasons.map(r => r.message).join('; ')})`);
            continue;
        }
        try {
            compileBound(result.model, derived.derivation, { terms: 'all' });
        } catch (error) {
            excluded.push(`${name}: does not compile (${(error as Error).message})`);
            continue;
        }
        cases.push({ name, file, model: result.model, derivation: derived.derivation });
    }
    // No example or good corpus model draws t by importance sampling: ddpm-mlp-learned.gm with t_sampling: importance does.
    const importance = path.join(mkdtempSync(path.join(tmpdir(), 'gm-torch-cases-')), 'ddpm-mlp-learned-importance.gm');
    const source = readFileSync(path.join(ROOT, 'examples/ddpm-mlp-learned.gm'), 'utf8');
    if (!/seed: 0 \}/.test(source)) throw new Error('examples/ddpm-mlp-learned.gm: its train block changed; update the importance-sampling case');
    writeFileSync(importance, source.replace(/seed: 0 \}/, 'seed: 0, t_sampling: importance }'));
    const { result } = await loadModel(importance);
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(`${importance}: ${derived.failure.reasons.map(r => r.message).join('; ')}`);
    cases.push({ name: 'examples/ddpm-mlp-learned.gm with t_sampling: importance', file: importance, model: result.model, derivation: derived.derivation });
    return { cases, excluded };
}
